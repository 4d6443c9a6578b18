// A small PNG reader, enough to check app icons: 8-bit greyscale, RGB, palette, grey+alpha
// and RGBA images, not interlaced. Pixels come back as RGBA, four bytes each.
import { inflateSync } from 'node:zlib';

export interface PngImage {
  width: number;
  height: number;
  /** The IHDR colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
  /** width × height × 4 bytes: R, G, B, A. */
  rgba: Uint8Array;
}

export class PngError extends Error {}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

interface Chunks {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  idat: Uint8Array[];
  palette?: Uint8Array;
  transparency?: Uint8Array;
}

function readChunks(bytes: Uint8Array): Chunks {
  if (bytes.length < 8 || SIGNATURE.some((byte, i) => bytes[i] !== byte)) throw new PngError('not a PNG file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: Omit<Chunks, 'idat'> | undefined;
  const idat: Uint8Array[] = [];
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  let offset = 8;
  for (;;) {
    if (offset + 12 > bytes.length) throw new PngError('the file ends before its IEND chunk');
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const end = offset + 8 + length;
    if (end + 4 > bytes.length) throw new PngError(`the ${type} chunk runs past the end of the file`);
    if (crc32(bytes.subarray(offset + 4, end)) !== view.getUint32(end)) throw new PngError(`the ${type} chunk's checksum is wrong`);
    const data = bytes.subarray(offset + 8, end);
    if (type === 'IHDR') {
      if (length !== 13) throw new PngError('the IHDR chunk has the wrong length');
      const ihdr = new DataView(data.buffer, data.byteOffset, data.byteLength);
      header = { width: ihdr.getUint32(0), height: ihdr.getUint32(4), bitDepth: data[8]!, colorType: data[9]!, interlace: data[12]! };
    } else if (!header) {
      throw new PngError('the first chunk is not IHDR');
    } else if (type === 'PLTE') {
      palette = data;
    } else if (type === 'tRNS') {
      transparency = data;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    offset = end + 4;
  }
  if (!header) throw new PngError('no IHDR chunk');
  return { ...header, idat, ...(palette ? { palette } : {}), ...(transparency ? { transparency } : {}) };
}

/** Decodes the whole image. Throws PngError for a broken or unsupported file. */
export function readPng(bytes: Uint8Array): PngImage {
  const { width, height, bitDepth, colorType, interlace, idat, palette, transparency } = readChunks(bytes);
  const channels = CHANNELS[colorType];
  if (channels === undefined) throw new PngError(`colour type ${colorType} is not a PNG colour type`);
  if (bitDepth !== 8) throw new PngError(`bit depth ${bitDepth} is not supported here (save the icon with 8 bits per channel)`);
  if (interlace !== 0) throw new PngError('interlaced PNGs are not supported here (save the icon without interlacing)');
  if (colorType === 3 && !palette) throw new PngError('a palette image without a PLTE chunk');
  if (width === 0 || height === 0) throw new PngError('the image is empty');

  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (error) {
    throw new PngError(`the image data does not inflate: ${(error as Error).message}`);
  }
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new PngError('the image data is shorter than the image');

  // Undo the per-row filters (bytes per pixel = channels at 8 bits).
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? pixels[out + x - channels]! : 0;
      const up = y > 0 ? pixels[out - stride + x]! : 0;
      const upLeft = y > 0 && x >= channels ? pixels[out - stride + x - channels]! : 0;
      const value = row[x]!;
      let decoded: number;
      if (filter === 0) decoded = value;
      else if (filter === 1) decoded = value + left;
      else if (filter === 2) decoded = value + up;
      else if (filter === 3) decoded = value + ((left + up) >> 1);
      else if (filter === 4) decoded = value + paeth(left, up, upLeft);
      else throw new PngError(`row ${y} has unknown filter type ${filter}`);
      pixels[out + x] = decoded & 0xff;
    }
  }

  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    let r: number, g: number, b: number;
    let a = 255;
    if (colorType === 0 || colorType === 4) {
      r = g = b = pixels[p]!;
      if (colorType === 4) a = pixels[p + 1]!;
      else if (transparency && transparency.length >= 2 && ((transparency[0]! << 8) | transparency[1]!) === r) a = 0;
    } else if (colorType === 3) {
      const index = pixels[p]!;
      if (index * 3 + 2 >= palette!.length) throw new PngError(`palette index ${index} is outside the palette`);
      [r, g, b] = [palette![index * 3]!, palette![index * 3 + 1]!, palette![index * 3 + 2]!];
      a = transparency?.[index] ?? 255;
    } else {
      [r, g, b] = [pixels[p]!, pixels[p + 1]!, pixels[p + 2]!];
      if (colorType === 6) a = pixels[p + 3]!;
      else if (transparency && transparency.length >= 6) {
        const key = [0, 2, 4].map((k) => (transparency[k]! << 8) | transparency[k + 1]!);
        if (key[0] === r && key[1] === g && key[2] === b) a = 0;
      }
    }
    rgba.set([r, g, b, a], i * 4);
  }
  return { width, height, colorType, rgba };
}
