//! The organisation's logo (issue 19, item 4): uploaded by the facilitator, checked by its bytes,
//! served to anyone with the code, shown in the HTML report and on the policy note's title page,
//! removed with the session.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use draagvlak_tests::{
    InProcess, Raw, create_session, join, png, post_json, public_session, report, report_bytes,
};
use serde_json::Value;

/// `method` on the session's logo with this secret (if any) and body: the status and the JSON
/// answer (`Null` when there is none).
async fn call(
    server: &InProcess,
    method: reqwest::Method,
    code: &str,
    secret: Option<&str>,
    body: Option<Vec<u8>>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(
        method,
        format!("{}/api/sessions/{code}/logo", server.http()),
    );
    if let Some(s) = secret {
        req = req.bearer_auth(s);
    }
    if let Some(b) = body {
        req = req.header("content-type", "image/png").body(b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_logo_is_checked_served_reported_and_removed() {
    let server = InProcess::start().await;
    let s = create_session(&server.http(), "Met logo").await;
    // The session is in Dutch: so are the refusals (an English one is checked at the end).
    let secret = s.facilitator_secret.as_str();
    use reqwest::Method;
    assert_eq!(public_session(&server.http(), &s.code).await["logo"], false);
    let (status, answer) = call(&server, Method::GET, &s.code, None, None).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("not_found"))
    );

    // Only the facilitator uploads.
    let logo = png(120, 40, false);
    let (status, _) = call(&server, Method::PUT, &s.code, None, Some(logo.clone())).await;
    assert_eq!(status, 401);
    let (status, _) = call(
        &server,
        Method::PUT,
        &s.code,
        Some("wrong"),
        Some(logo.clone()),
    )
    .await;
    assert_eq!(status, 401);

    // What is not a PNG we take, whatever it says it is.
    let refusals: [(Vec<u8>, u16, &str); 6] = [
        (
            b"GIF89a\x10\x00\x10\x00".to_vec(),
            415,
            "Een logo is een PNG-afbeelding; sla het eerst op als PNG.",
        ),
        (
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            415,
            "Een logo is een PNG-afbeelding; sla het eerst op als PNG.",
        ),
        (
            vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F'],
            415,
            "Een logo is een PNG-afbeelding; sla het eerst op als PNG.",
        ),
        (
            png(8, 8, false),
            422,
            "Een logo is 16 tot 4096 pixels breed en hoog; dit is 8×8.",
        ),
        (
            png(120, 40, false)[..20].to_vec(),
            422,
            "Deze afbeelding is beschadigd: haar afmetingen zijn niet te lezen.",
        ),
        (
            {
                // Just over the limit, under the route's body limit: this module's answer.
                let mut big = png(20, 20, false);
                big.resize(256 * 1024 + 10, 0);
                big
            },
            413,
            "Een logo is hoogstens 256 KB; dit is 257 KB.",
        ),
    ];
    for (body, want, message) in refusals {
        let (status, answer) = call(&server, Method::PUT, &s.code, Some(secret), Some(body)).await;
        assert_eq!(status, want, "{answer}");
        assert_eq!(answer["error"]["code"], "invalid_image");
        assert_eq!(answer["error"]["message"], message);
    }
    // Far too large: refused before it is read whole.
    let (status, answer) = call(
        &server,
        Method::PUT,
        &s.code,
        Some(secret),
        Some(vec![0u8; 2 * 1024 * 1024]),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (413, Some("invalid_image"))
    );
    assert_eq!(public_session(&server.http(), &s.code).await["logo"], false);

    // A PNG is stored and served as it came, with its type and without sniffing.
    let (status, _) = call(
        &server,
        Method::PUT,
        &s.code,
        Some(secret),
        Some(logo.clone()),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(public_session(&server.http(), &s.code).await["logo"], true);
    let resp = reqwest::get(format!("{}/api/sessions/{}/logo", server.http(), s.code))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.headers()["cache-control"], "no-cache");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), logo);

    // In the HTML report inline, on the policy note's title page as a picture.
    let html = report(&server.http(), &s.code, secret, "html").await;
    use base64::Engine as _;
    let inline = base64::engine::general_purpose::STANDARD.encode(&logo);
    assert!(html.contains(&format!("src=\"data:image/png;base64,{inline}\"")));
    assert!(html.contains("alt=\"Logo Gemeente Zaanstad\""), "{html}");
    let docx = report_bytes(&server.http(), &s.code, secret, "docx").await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut found = false;
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        found |= file.name().unwrap().starts_with("word/media/") && bytes == logo;
    }
    assert!(found, "the logo is a picture in the .docx");
    // The JSON report never carries it.
    assert!(
        !report(&server.http(), &s.code, secret, "json")
            .await
            .contains(&inline)
    );

    // Replaced, then removed.
    let other = png(64, 64, false);
    let (status, _) = call(
        &server,
        Method::PUT,
        &s.code,
        Some(secret),
        Some(other.clone()),
    )
    .await;
    assert_eq!(status, 204);
    let served = reqwest::get(format!("{}/api/sessions/{}/logo", server.http(), s.code))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(served.to_vec(), other);
    assert_eq!(
        call(&server, Method::DELETE, &s.code, None, None).await.0,
        401
    );
    assert_eq!(
        call(&server, Method::DELETE, &s.code, Some(secret), None)
            .await
            .0,
        204
    );
    assert_eq!(
        call(&server, Method::DELETE, &s.code, Some(secret), None)
            .await
            .0,
        404
    );
    assert_eq!(public_session(&server.http(), &s.code).await["logo"], false);

    // Deleting the session takes its logo along (and is not stopped by it).
    let (status, _) = call(&server, Method::PUT, &s.code, Some(secret), Some(logo)).await;
    assert_eq!(status, 204);
    let (mut fac, _) = Raw::join(&server.ws(), join::facilitator(&s.code, secret)).await;
    fac.ok("close", serde_json::json!({"kind": "close_session"}))
        .await;
    let resp = reqwest::Client::new()
        .delete(format!("{}/api/sessions/{}", server.http(), s.code))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204, "{:?}", resp.text().await);

    // An English session is told in English.
    let (_, en) = post_json(
        &format!("{}/api/sessions", server.http()),
        &serde_json::json!({"title": "Logo", "language": "en"}),
    )
    .await;
    let (status, answer) = call(
        &server,
        Method::PUT,
        en["code"].as_str().unwrap(),
        en["facilitator_secret"].as_str(),
        Some(b"GIF89a\x10\x00\x10\x00".to_vec()),
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(
        answer["error"]["message"],
        "a logo is a PNG image; save it as PNG first"
    );
    server.stop().await;
}
