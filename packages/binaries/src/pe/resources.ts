// Adding a resource to a PE (Windows) executable without rewriting it: the whole resource tree is
// re-emitted, with the new entry, into a new section appended to the image, and the resource data
// directory is pointed at it. Existing data entries keep their RVAs (their bytes stay where they
// are, in the original .rsrc section), so nothing else in the file moves.
import { PeError } from './authenticode.js';

const PE32_PLUS = 0x20b;
const RESOURCE_DIRECTORY = 2;
const SECTION_HEADER_SIZE = 40;
const SCN_INITIALIZED_DATA_READ = 0x40000040;

export interface PeSection {
  name: string;
  virtualSize: number;
  virtualAddress: number;
  sizeOfRawData: number;
  pointerToRawData: number;
}

export interface PeImage {
  coffHeader: number;
  optionalHeader: number;
  sectionTable: number;
  sections: PeSection[];
  sectionAlignment: number;
  fileAlignment: number;
  sizeOfHeaders: number;
  directories: number;
  directoryCount: number;
}

export function parsePe(file: Buffer): PeImage {
  if (file.length < 0x40 || file.toString('latin1', 0, 2) !== 'MZ') throw new PeError('not a PE file: no MZ header');
  const pe = file.readUInt32LE(0x3c);
  if (pe + 24 > file.length || file.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new PeError('not a PE file: no PE signature');
  const coffHeader = pe + 4;
  const sectionCount = file.readUInt16LE(coffHeader + 2);
  const optionalSize = file.readUInt16LE(coffHeader + 16);
  const optionalHeader = coffHeader + 20;
  const plus = file.readUInt16LE(optionalHeader) === PE32_PLUS;
  const directories = optionalHeader + (plus ? 112 : 96);
  const sectionTable = optionalHeader + optionalSize;
  const sections: PeSection[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const at = sectionTable + i * SECTION_HEADER_SIZE;
    sections.push({
      name: file.toString('latin1', at, at + 8).replace(/\0+$/, ''),
      virtualSize: file.readUInt32LE(at + 8),
      virtualAddress: file.readUInt32LE(at + 12),
      sizeOfRawData: file.readUInt32LE(at + 16),
      pointerToRawData: file.readUInt32LE(at + 20),
    });
  }
  return {
    coffHeader,
    optionalHeader,
    sectionTable,
    sections,
    sectionAlignment: file.readUInt32LE(optionalHeader + 32),
    fileAlignment: file.readUInt32LE(optionalHeader + 36),
    sizeOfHeaders: file.readUInt32LE(optionalHeader + 60),
    directories,
    directoryCount: file.readUInt32LE(directories - 4),
  };
}

export function rvaToOffset(image: PeImage, rva: number): number {
  for (const section of image.sections) {
    const size = Math.max(section.virtualSize, section.sizeOfRawData);
    if (rva >= section.virtualAddress && rva < section.virtualAddress + size) return rva - section.virtualAddress + section.pointerToRawData;
  }
  throw new PeError(`RVA 0x${rva.toString(16)} is in no section`);
}

export type ResourceKey = string | number;
export interface ResourceData {
  rva: number;
  size: number;
  codePage: number;
}
export interface ResourceDirectory {
  characteristics: number;
  entries: Array<{ key: ResourceKey; node: ResourceDirectory | ResourceData }>;
}

const isDirectory = (node: ResourceDirectory | ResourceData): node is ResourceDirectory => 'entries' in node;

/** The resource tree of the image (empty when it has none). */
export function readResources(file: Buffer, image: PeImage): ResourceDirectory {
  const rva = file.readUInt32LE(image.directories + RESOURCE_DIRECTORY * 8);
  if (!rva || image.directoryCount <= RESOURCE_DIRECTORY) return { characteristics: 0, entries: [] };
  const base = rvaToOffset(image, rva);
  const visited = new Set<number>();
  const readDirectory = (offset: number, depth: number): ResourceDirectory => {
    if (depth > 3 || visited.has(offset)) throw new PeError('the resource tree is malformed (too deep or cyclic)');
    visited.add(offset);
    const at = base + offset;
    const count = file.readUInt16LE(at + 12) + file.readUInt16LE(at + 14);
    const entries: ResourceDirectory['entries'] = [];
    for (let i = 0; i < count; i++) {
      const entry = at + 16 + i * 8;
      const name = file.readUInt32LE(entry);
      const target = file.readUInt32LE(entry + 4);
      let key: ResourceKey = name;
      if (name & 0x80000000) {
        const stringAt = base + (name & 0x7fffffff);
        key = file.toString('utf16le', stringAt + 2, stringAt + 2 + file.readUInt16LE(stringAt) * 2);
      }
      if (target & 0x80000000) entries.push({ key, node: readDirectory(target & 0x7fffffff, depth + 1) });
      else {
        const data = base + target;
        entries.push({ key, node: { rva: file.readUInt32LE(data), size: file.readUInt32LE(data + 4), codePage: file.readUInt32LE(data + 8) } });
      }
    }
    return { characteristics: file.readUInt32LE(at), entries };
  };
  return readDirectory(0, 0);
}

/** Named entries first, ordered by name, then numeric ids in ascending order (the loader binary-searches). */
function sortEntries(directory: ResourceDirectory): void {
  directory.entries.sort((a, b) => {
    if (typeof a.key === 'string' && typeof b.key === 'string') return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    if (typeof a.key === 'string') return -1;
    if (typeof b.key === 'string') return 1;
    return a.key - b.key;
  });
  for (const entry of directory.entries) if (isDirectory(entry.node)) sortEntries(entry.node);
}

const align = (value: number, to: number) => Math.ceil(value / to) * to;

/**
 * Serialises `tree` for a section at `sectionRva`: directories, then name strings, then data
 * entries, then `appended` data (whose entries point into this section).
 */
function serialise(tree: ResourceDirectory, sectionRva: number, appended: Map<ResourceData, Buffer>): Buffer {
  const directories: ResourceDirectory[] = [];
  const strings = new Map<string, number>();
  const dataEntries: ResourceData[] = [];
  const walk = (directory: ResourceDirectory) => {
    directories.push(directory);
    for (const { key, node } of directory.entries) {
      if (typeof key === 'string' && !strings.has(key)) strings.set(key, 0);
      if (isDirectory(node)) walk(node);
      else dataEntries.push(node);
    }
  };
  walk(tree);
  const directoryOffsets = new Map<ResourceDirectory, number>();
  let size = 0;
  for (const directory of directories) {
    directoryOffsets.set(directory, size);
    size += 16 + directory.entries.length * 8;
  }
  for (const key of strings.keys()) {
    strings.set(key, size);
    size += 2 + key.length * 2;
  }
  size = align(size, 4);
  const dataOffsets = new Map<ResourceData, number>();
  for (const data of dataEntries) {
    dataOffsets.set(data, size);
    size += 16;
  }
  const appendedOffsets = new Map<ResourceData, number>();
  for (const [data, bytes] of appended) {
    size = align(size, 16);
    appendedOffsets.set(data, size);
    size += bytes.length;
  }
  const out = Buffer.alloc(size);
  for (const directory of directories) {
    const at = directoryOffsets.get(directory)!;
    out.writeUInt32LE(directory.characteristics, at);
    const named = directory.entries.filter((e) => typeof e.key === 'string').length;
    out.writeUInt16LE(named, at + 12);
    out.writeUInt16LE(directory.entries.length - named, at + 14);
    directory.entries.forEach(({ key, node }, i) => {
      const entry = at + 16 + i * 8;
      out.writeUInt32LE(typeof key === 'string' ? (0x80000000 | strings.get(key)!) >>> 0 : key, entry);
      out.writeUInt32LE(isDirectory(node) ? (0x80000000 | directoryOffsets.get(node)!) >>> 0 : dataOffsets.get(node)!, entry + 4);
    });
  }
  for (const [key, at] of strings) {
    out.writeUInt16LE(key.length, at);
    out.write(key, at + 2, 'utf16le');
  }
  for (const data of dataEntries) {
    const at = dataOffsets.get(data)!;
    const own = appendedOffsets.get(data);
    out.writeUInt32LE(own === undefined ? data.rva : sectionRva + own, at);
    out.writeUInt32LE(data.size, at + 4);
    out.writeUInt32LE(data.codePage, at + 8);
  }
  for (const [data, bytes] of appended) bytes.copy(out, appendedOffsets.get(data)!);
  return out;
}

/**
 * A copy of `file` with resource `type`/`name` (language neutral) holding `data`, in a new section
 * named `sectionName`. The PE checksum is left for the caller to recompute.
 */
export function addResource(file: Buffer, type: number, name: string, data: Buffer, sectionName = '.rsrc2'): Buffer {
  const image = parsePe(file);
  if (image.directoryCount <= RESOURCE_DIRECTORY) throw new PeError('the PE file has no resource directory entry');
  const tableEnd = image.sectionTable + (image.sections.length + 1) * SECTION_HEADER_SIZE;
  const firstRaw = Math.min(...image.sections.filter((s) => s.sizeOfRawData > 0).map((s) => s.pointerToRawData));
  if (tableEnd > image.sizeOfHeaders || tableEnd > firstRaw) throw new PeError('no room for another section header');

  const tree = readResources(file, image);
  const key = name.toUpperCase();
  let typeDirectory = tree.entries.find((e) => e.key === type)?.node;
  if (!typeDirectory) {
    typeDirectory = { characteristics: 0, entries: [] };
    tree.entries.push({ key: type, node: typeDirectory });
  }
  if (!isDirectory(typeDirectory)) throw new PeError(`resource type ${type} is not a directory`);
  if (typeDirectory.entries.some((e) => e.key === key)) throw new PeError(`the file already has a ${key} resource`);
  const entry: ResourceData = { rva: 0, size: data.length, codePage: 0 };
  typeDirectory.entries.push({ key, node: { characteristics: 0, entries: [{ key: 0, node: entry }] } });
  sortEntries(tree);

  const last = image.sections.reduce((a, b) => (a.virtualAddress > b.virtualAddress ? a : b));
  const sectionRva = align(last.virtualAddress + Math.max(last.virtualSize, last.sizeOfRawData), image.sectionAlignment);
  const body = serialise(tree, sectionRva, new Map([[entry, data]]));
  const rawEnd = Math.max(...image.sections.map((s) => s.pointerToRawData + s.sizeOfRawData));
  const pointerToRawData = align(Math.max(rawEnd, file.length), image.fileAlignment);
  const sizeOfRawData = align(body.length, image.fileAlignment);

  const out = Buffer.alloc(pointerToRawData + sizeOfRawData);
  file.copy(out, 0, 0, Math.min(file.length, pointerToRawData));
  body.copy(out, pointerToRawData);
  const header = image.sectionTable + image.sections.length * SECTION_HEADER_SIZE;
  out.fill(0, header, header + SECTION_HEADER_SIZE);
  out.write(sectionName.slice(0, 8), header, 'latin1');
  out.writeUInt32LE(body.length, header + 8);
  out.writeUInt32LE(sectionRva, header + 12);
  out.writeUInt32LE(sizeOfRawData, header + 16);
  out.writeUInt32LE(pointerToRawData, header + 20);
  out.writeUInt32LE(SCN_INITIALIZED_DATA_READ, header + 36);
  out.writeUInt16LE(image.sections.length + 1, image.coffHeader + 2);
  out.writeUInt32LE(out.readUInt32LE(image.optionalHeader + 8) + sizeOfRawData, image.optionalHeader + 8); // SizeOfInitializedData
  out.writeUInt32LE(align(sectionRva + body.length, image.sectionAlignment), image.optionalHeader + 56); // SizeOfImage
  out.writeUInt32LE(sectionRva, image.directories + RESOURCE_DIRECTORY * 8);
  out.writeUInt32LE(body.length, image.directories + RESOURCE_DIRECTORY * 8 + 4);
  return out;
}

/** The bytes of resource `type`/`name` (first language), or undefined. */
export function findResource(file: Buffer, type: number, name: string): Buffer | undefined {
  const image = parsePe(file);
  const typeDirectory = readResources(file, image).entries.find((e) => e.key === type)?.node;
  if (!typeDirectory || !isDirectory(typeDirectory)) return undefined;
  const named = typeDirectory.entries.find((e) => e.key === name.toUpperCase())?.node;
  const leaf = named && isDirectory(named) ? named.entries[0]?.node : named;
  if (!leaf || isDirectory(leaf)) return undefined;
  const offset = rvaToOffset(image, leaf.rva);
  return file.subarray(offset, offset + leaf.size);
}
