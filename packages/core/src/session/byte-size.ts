/** A byte count as download labels and progress show it: 512 B, 12.3 kB, 45.6 MB. */
export const byteSize = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`);
