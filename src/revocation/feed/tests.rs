use super::sse::{Event, EventReader, TooLong};

fn event(id: Option<&str>, name: &str, data: &str) -> Event {
    Event {
        id: id.map(str::to_owned),
        name: name.into(),
        data: data.into(),
    }
}

#[test]
fn an_event_is_its_fields_up_to_a_blank_line() {
    let mut reader = EventReader::new(1024);
    let events = reader
        .read(b"id: c-1\nevent: revocation\ndata: {\"a\":1}\n\n")
        .unwrap();
    assert_eq!(events, [event(Some("c-1"), "revocation", "{\"a\":1}")]);
}

#[test]
fn events_split_anywhere_across_chunks_read_the_same() {
    let stream = b"id: c-1\r\nevent: revocation\r\ndata: one\r\n\r\n: keep-alive\n\nevent: synced\rdata: two\r\r";
    for split in 0..stream.len() {
        let mut reader = EventReader::new(1024);
        let mut events = reader.read(&stream[..split]).unwrap();
        events.extend(reader.read(&stream[split..]).unwrap());
        assert_eq!(
            events,
            [
                event(Some("c-1"), "revocation", "one"),
                event(None, "synced", "two")
            ],
            "split at {split}"
        );
    }
}

#[test]
fn comments_and_events_without_data_dispatch_nothing() {
    let mut reader = EventReader::new(1024);
    let events = reader
        .read(b": keep-alive\n\nid: 4\nevent: x\n\nretry: 10\n\n")
        .unwrap();
    assert!(events.is_empty(), "{events:?}");
    let later = reader.read(b"data: y\n\n").unwrap();
    assert_eq!(later, [event(None, "message", "y")], "nothing carried over");
}

#[test]
fn data_lines_join_with_newlines_and_one_leading_space_is_dropped() {
    let mut reader = EventReader::new(1024);
    let events = reader.read(b"data:a\ndata:  b\ndata\n\n").unwrap();
    assert_eq!(events, [event(None, "message", "a\n b\n")]);
}

#[test]
fn an_id_holding_nul_is_ignored() {
    let mut reader = EventReader::new(1024);
    let events = reader.read(b"id: a\0b\ndata: x\n\n").unwrap();
    assert_eq!(events, [event(None, "message", "x")]);
}

#[test]
fn a_line_or_an_event_over_the_bound_is_refused() {
    let mut reader = EventReader::new(32);
    assert_eq!(reader.read(&[b'a'; 32]).unwrap(), []);
    assert_eq!(reader.read(b"a"), Err(TooLong(32)), "a 33-byte line");

    // Each line below holds 10 bytes of data, 11 with its newline: 2 fit in 32, 3 do not.
    let mut reader = EventReader::new(32);
    assert_eq!(reader.read(b"data: 0123456789\n").unwrap(), []);
    assert_eq!(reader.read(b"data: 0123456789\n").unwrap(), []);
    assert_eq!(reader.read(b"data: 0123456789\n"), Err(TooLong(32)));

    let mut reader = EventReader::new(32);
    let two = reader
        .read(b"data: 0123456789\ndata: 0123456789\n\n")
        .unwrap();
    assert_eq!(two, [event(None, "message", "0123456789\n0123456789")]);
}
