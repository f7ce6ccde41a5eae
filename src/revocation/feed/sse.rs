//! A reader of `text/event-stream` (the WHATWG server-sent events format) over chunks as
//! they arrive: lines end in LF, CRLF or CR, possibly split across chunks; `:` starts a
//! comment. Lines and events are bounded, so a broken or hostile server cannot fill memory.

/// One event: its `id` when it had one, its name (`message` when unnamed) and its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Event {
    pub id: Option<String>,
    pub name: String,
    pub data: String,
}

/// The stream broke the format's bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an event stream line or event longer than {0} bytes")]
pub(super) struct TooLong(pub usize);

pub(super) struct EventReader {
    max_bytes: usize,
    line: Vec<u8>,
    /// The last byte read was a CR: a LF right after it ends nothing more.
    after_cr: bool,
    id: Option<String>,
    name: String,
    data: String,
}

impl EventReader {
    /// A reader refusing any line, and any event's data, over `max_bytes`.
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            line: Vec::new(),
            after_cr: false,
            id: None,
            name: String::new(),
            data: String::new(),
        }
    }

    /// Reads `chunk`; the events it completed, in order.
    pub fn read(&mut self, chunk: &[u8]) -> Result<Vec<Event>, TooLong> {
        let mut events = Vec::new();
        for &byte in chunk {
            let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
            match byte {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => {
                    let line = std::mem::take(&mut self.line);
                    if let Some(event) = self.take_line(&line)? {
                        events.push(event);
                    }
                }
                _ if self.line.len() >= self.max_bytes => return Err(TooLong(self.max_bytes)),
                _ => self.line.push(byte),
            }
        }
        Ok(events)
    }

    /// One whole line: a field of the event being read, or the blank line that ends it.
    fn take_line(&mut self, line: &[u8]) -> Result<Option<Event>, TooLong> {
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some(("", _)) => return Ok(None),
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => {
                if self.data.len() + value.len() + 1 > self.max_bytes {
                    return Err(TooLong(self.max_bytes));
                }
                self.data.push_str(value);
                self.data.push('\n');
            }
            "event" => value.clone_into(&mut self.name),
            // An id holding NUL is ignored, as the format says.
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            _ => {}
        }
        Ok(None)
    }

    /// The event read so far, unless it had no data (the format then dispatches nothing).
    fn dispatch(&mut self) -> Option<Event> {
        let id = self.id.take();
        let name = std::mem::take(&mut self.name);
        let mut data = std::mem::take(&mut self.data);
        if data.is_empty() {
            return None;
        }
        data.pop();
        let name = if name.is_empty() {
            "message".into()
        } else {
            name
        };
        Some(Event { id, name, data })
    }
}
