//! A deterministic zip writer, and a reader of a zip's file names.
//!
//! Only what Lambda needs and reproducibility allows: files (no directory entries), in the
//! order given, each deflated when that is smaller and stored otherwise, every timestamp
//! 1980-01-01 00:00 (zip's epoch), Unix modes 0644 or 0755 and nothing else of the host
//! (no owner, no extra fields, no comment). The same entries give the same bytes.

/// One file of an archive: its path inside (`/`-separated), its bytes, whether executable.
pub struct Entry {
    pub name: String,
    pub bytes: Vec<u8>,
    pub executable: bool,
}

/// Why an archive cannot be written in this format (zip64 is not supported).
#[derive(Debug, PartialEq, Eq)]
pub enum TooLarge {
    Entries(usize),
    Bytes(String),
}

/// Zip's earliest date, 1980-01-01, in MS-DOS form; the time is 00:00:00.
const DOS_DATE: u16 = (1 << 5) | 1;

/// Bit 11 of the flags: names are UTF-8.
const UTF8_NAMES: u16 = 1 << 11;

/// Writes `entries`, in their order, as one zip archive.
///
/// # Errors
/// When the archive needs zip64: over 65,535 entries, or a size or offset past 4 GiB.
pub fn write(entries: &[Entry]) -> Result<Vec<u8>, TooLarge> {
    let count = u16::try_from(entries.len()).map_err(|_| TooLarge::Entries(entries.len()))?;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let big = || TooLarge::Bytes(entry.name.clone());
        let crc = crc32(&entry.bytes);
        let deflated = miniz_oxide::deflate::compress_to_vec(&entry.bytes, 9);
        let (method, data): (u16, &[u8]) = if deflated.len() < entry.bytes.len() {
            (8, &deflated)
        } else {
            (0, &entry.bytes)
        };
        let size = u32::try_from(entry.bytes.len()).map_err(|_| big())?;
        let compressed = u32::try_from(data.len()).map_err(|_| big())?;
        let offset = u32::try_from(out.len()).map_err(|_| big())?;
        let name = entry.name.as_bytes();
        let name_len = u16::try_from(name.len()).map_err(|_| big())?;

        // Local file header.
        put32(&mut out, 0x0403_4b50);
        put16(&mut out, 20); // version needed: 2.0 (deflate)
        put16(&mut out, UTF8_NAMES);
        put16(&mut out, method);
        put16(&mut out, 0); // time
        put16(&mut out, DOS_DATE);
        put32(&mut out, crc);
        put32(&mut out, compressed);
        put32(&mut out, size);
        put16(&mut out, name_len);
        put16(&mut out, 0); // extra field length
        out.extend_from_slice(name);
        out.extend_from_slice(data);

        // Central directory entry: made by Unix (3), version 2.0, with the file's mode.
        let mode: u32 = if entry.executable {
            0o100_755
        } else {
            0o100_644
        };
        put32(&mut central, 0x0201_4b50);
        put16(&mut central, 0x0314); // made by: Unix (3), zip 2.0 (20)
        put16(&mut central, 20);
        put16(&mut central, UTF8_NAMES);
        put16(&mut central, method);
        put16(&mut central, 0);
        put16(&mut central, DOS_DATE);
        put32(&mut central, crc);
        put32(&mut central, compressed);
        put32(&mut central, size);
        put16(&mut central, name_len);
        put16(&mut central, 0); // extra
        put16(&mut central, 0); // comment
        put16(&mut central, 0); // disk
        put16(&mut central, 0); // internal attributes
        put32(&mut central, mode << 16);
        put32(&mut central, offset);
        central.extend_from_slice(name);
    }
    let too_big = || TooLarge::Bytes(String::new());
    let central_offset = u32::try_from(out.len()).map_err(|_| too_big())?;
    let central_size = u32::try_from(central.len()).map_err(|_| too_big())?;
    out.extend_from_slice(&central);
    // End of central directory.
    put32(&mut out, 0x0605_4b50);
    put16(&mut out, 0);
    put16(&mut out, 0);
    put16(&mut out, count);
    put16(&mut out, count);
    put32(&mut out, central_size);
    put32(&mut out, central_offset);
    put16(&mut out, 0);
    Ok(out)
}

/// The file names in a zip archive, from its central directory; `None` when the bytes are
/// not a zip this reader understands (zip64 included).
#[must_use]
pub fn names(bytes: &[u8]) -> Option<Vec<String>> {
    const EOCD: usize = 22;
    if bytes.len() < EOCD {
        return None;
    }
    // The end record is last, followed by a comment of at most 65,535 bytes.
    let earliest = bytes.len().saturating_sub(EOCD + 0xffff);
    let end = (earliest..=bytes.len() - EOCD)
        .rev()
        .find(|&i| get32(bytes, i) == Some(0x0605_4b50))?;
    let count = usize::from(get16(bytes, end + 10)?);
    let mut at = usize::try_from(get32(bytes, end + 16)?).ok()?;
    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        if get32(bytes, at)? != 0x0201_4b50 {
            return None;
        }
        let name_len = usize::from(get16(bytes, at + 28)?);
        let extra = usize::from(get16(bytes, at + 30)?);
        let comment = usize::from(get16(bytes, at + 32)?);
        let name = bytes.get(at + 46..at + 46 + name_len)?;
        names.push(String::from_utf8_lossy(name).into_owned());
        at += 46 + name_len + extra + comment;
    }
    Some(names)
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn get16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn get32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// CRC-32 (IEEE 802.3, reflected), as zip stores it.
#[must_use]
pub fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            #[expect(clippy::cast_possible_truncation, reason = "i < 256")]
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    let mut crc = !0u32;
    for &b in bytes {
        crc = TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_the_check_string() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn archives_are_deterministic_and_list_their_names() {
        let entries = || {
            vec![
                Entry {
                    name: "bootstrap".into(),
                    bytes: b"#!/bin/sh\n".to_vec(),
                    executable: true,
                },
                Entry {
                    name: "src/photos.js".into(),
                    bytes: "exports.get = async () => ({ statusCode: 200 });\n"
                        .repeat(20)
                        .into_bytes(),
                    executable: false,
                },
            ]
        };
        let a = write(&entries()).unwrap();
        assert_eq!(a, write(&entries()).unwrap());
        assert_eq!(
            names(&a).unwrap(),
            vec!["bootstrap".to_string(), "src/photos.js".to_string()]
        );
        assert_eq!(names(b"not a zip at all, just some text"), None);
        // Deflate round trip of the compressed entry.
        let at = 30 + "bootstrap".len() + 10;
        assert_eq!(get32(&a, at), Some(0x0403_4b50));
        let compressed = get32(&a, at + 18).unwrap() as usize;
        let data = &a[at + 30 + "src/photos.js".len()..][..compressed];
        let back = miniz_oxide::inflate::decompress_to_vec(data).unwrap();
        assert_eq!(back, entries()[1].bytes);
    }
}
