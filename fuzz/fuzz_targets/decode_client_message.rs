//! Decoding client frames: arbitrary bytes never panic the decoder, and whatever decodes
//! serialises to a message that decodes to the same value.
#![no_main]

use draagvlak_protocol::ClientMessage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(msg) = serde_json::from_str::<ClientMessage>(text) {
        let again = serde_json::to_string(&msg).expect("a decoded message serialises");
        let back: ClientMessage =
            serde_json::from_str(&again).expect("a serialised message decodes");
        assert_eq!(back, msg);
    }
});
