package plugin

// Display tells fctl how plain output renders a command's result (docs/protocol.md section 5):
// either a table (Columns, with RowsPath selecting the array of rows, default "$") or Sections.
// Paths use the protocol's JSONPath subset: $, .name, [n] and ["name"].
type Display struct {
	RowsPath string    `json:"rowsPath,omitempty"` // a table's array of rows in the data (default $)
	Columns  []Column  `json:"columns,omitempty"`  // a table's columns
	Sections []Section `json:"sections,omitempty"` // instead of a table: titled blocks
}

// Format is how a column or field value is shown.
type Format string

// The display formats (docs/protocol.md section 5).
const (
	FormatString    Format = "string"
	FormatNumber    Format = "number"
	FormatTimestamp Format = "timestamp"
	FormatBoolean   Format = "boolean"
)

// Column is a table column; JSONPath is relative to the row.
type Column struct {
	Header   string `json:"header"`           // the column's title
	JSONPath string `json:"jsonPath"`         // the value in the row
	Format   Format `json:"format,omitempty"` // default FormatString
}

// Section is a titled block of label/value fields (paths relative to the data), optionally
// followed by a table of the array at RowsPath.
type Section struct {
	Title    string   `json:"title"`              // printed first
	Fields   []Field  `json:"fields,omitempty"`   // label: value lines
	RowsPath string   `json:"rowsPath,omitempty"` // the array its table shows
	Columns  []Column `json:"columns,omitempty"`  // the table's columns, when it has one
}

// Field is one "Label:  value" line of a section.
type Field struct {
	Label    string `json:"label"`            // shown before the value
	JSONPath string `json:"jsonPath"`         // the value in the data
	Format   Format `json:"format,omitempty"` // default FormatString
}
