package plugin

// Display tells fctl how plain output renders a command's result (docs/protocol.md section 5):
// either a table (Columns, with RowsPath selecting the array of rows, default "$") or Sections.
// Paths use the protocol's JSONPath subset: $, .name, [n] and ["name"].
type Display struct {
	RowsPath string    `json:"rowsPath,omitempty"`
	Columns  []Column  `json:"columns,omitempty"`
	Sections []Section `json:"sections,omitempty"`
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
	Header   string `json:"header"`
	JSONPath string `json:"jsonPath"`
	Format   Format `json:"format,omitempty"`
}

// Section is a titled block of label/value fields (paths relative to the data), optionally
// followed by a table of the array at RowsPath.
type Section struct {
	Title    string   `json:"title"`
	Fields   []Field  `json:"fields,omitempty"`
	RowsPath string   `json:"rowsPath,omitempty"`
	Columns  []Column `json:"columns,omitempty"`
}

// Field is one "Label:  value" line of a section.
type Field struct {
	Label    string `json:"label"`
	JSONPath string `json:"jsonPath"`
	Format   Format `json:"format,omitempty"`
}
