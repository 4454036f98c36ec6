//! A local S3-compatible server for trying and measuring `s3://` inputs: serves DIR (each
//! subdirectory a bucket) on 127.0.0.1 with the access key `blastradius` and the secret
//! `blastradius`, until stopped.
//!
//! ```sh
//! cargo run --example s3_serve -- DIR 9000 &
//! AWS_ACCESS_KEY_ID=blastradius AWS_SECRET_ACCESS_KEY=blastradius \
//!   blastradius timeline s3://BUCKET/logs/ --endpoint http://127.0.0.1:9000 --region us-east-1
//! ```
#![allow(clippy::expect_used, reason = "a development tool: a failure to start is the message")]

use hyper_util::rt::{TokioExecutor, TokioIo};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let root = args.next().expect("usage: s3_serve DIR [PORT]");
    let port: u16 = args.next().map_or(9000, |p| p.parse().expect("PORT is a number"));
    let fs = s3s_fs::FileSystem::new(&root).expect("DIR must be a directory");
    let mut b = s3s::service::S3ServiceBuilder::new(fs);
    b.set_auth(s3s::auth::SimpleAuth::from_single("blastradius", "blastradius"));
    let service = b.build();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("the port must be free");
    eprintln!("serving {root} at http://{}", listener.local_addr().expect("bound"));
    while let Ok((socket, _)) = listener.accept().await {
        let service = service.clone();
        tokio::spawn(async move {
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(socket), service)
                .await;
        });
    }
}
