//! Starts a real Tidegate gateway (the runnable jar) on a free port for one test.
// Each test binary of this crate and of sdk-examples/rust (which includes it by path) compiles
// this module and uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

pub struct Gateway {
    child: Child,
    pub endpoint: String,
    log: Arc<Mutex<Vec<String>>>,
}

pub mod spans;

/// The jar `./mvnw package` builds at the repository root (the nearest ancestor of this crate
/// holding the Maven reactor), unless `TIDEGATE_GATEWAY_JAR` names another.
fn jar_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TIDEGATE_GATEWAY_JAR") {
        return PathBuf::from(p);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .ancestors()
        .find(|d| d.join("pom.xml").is_file() && d.join("gateway").is_dir())
        .unwrap_or(&manifest);
    root.join("gateway/target/tidegate-gateway-0.1.0-SNAPSHOT-all.jar")
}

impl Gateway {
    /// Starts `java -jar <jar> --grpc.host=127.0.0.1 --grpc.port=0 --http.port=-1` and waits
    /// for its "listening on" line. Panics (fails the test) when the jar is missing.
    pub fn start() -> Gateway {
        Self::start_on(0)
    }

    /// Like [`Gateway::start`] on a given port (0: any free one).
    pub fn start_on(port: u16) -> Gateway {
        Self::start_with(port, &[])
    }

    /// Like [`Gateway::start_on`] with extra gateway flags (e.g. `--backend.redis.uri=...`).
    pub fn start_with(port: u16, flags: &[String]) -> Gateway {
        let jar = jar_path();
        assert!(
            jar.is_file(),
            "gateway jar not found at {}: build it with \
             `./mvnw -B -q -pl gateway -am package -DskipTests` at the repository root, \
             or point TIDEGATE_GATEWAY_JAR at it",
            jar.display()
        );
        let java = std::env::var("JAVA").unwrap_or_else(|_| "java".into());
        let mut child = Command::new(&java)
            .arg("-jar")
            .arg(&jar)
            .args(["--grpc.host=127.0.0.1", "--http.port=-1"])
            .arg(format!("--grpc.port={port}"))
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {java}: {e}"));
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line
                    .strip_prefix("tidegate: gateway ")
                    .and_then(|rest| rest.split_once(" listening on "))
                    .map(|(_, addr)| addr.trim().to_string())
                {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr);
                    }
                }
                if let Ok(mut l) = sink.lock() {
                    l.push(line);
                }
            }
        });
        let mut gateway = Gateway {
            child,
            endpoint: String::new(),
            log,
        };
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => gateway.endpoint = addr,
            Err(_) => panic!(
                "gateway did not report `listening on` within 60 s; its stderr:\n{}",
                gateway.log()
            ),
        }
        gateway
    }

    #[allow(dead_code)] // not every test binary that includes this module asks for it
    pub fn port(&self) -> u16 {
        self.endpoint
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .expect("endpoint host:port")
    }

    /// SIGTERM: the gateway drains (GoAway, publishes in flight answered) and exits.
    pub fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    /// SIGKILL: the process dies without draining; its streams just break.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throwaway redis-server (from `REDIS_SERVER` or PATH) on a free loopback port, without
/// persistence. Panics (fails the test) when redis-server is missing.
pub struct Redis {
    child: Child,
    port: u16,
    pub uri: String,
}

impl Redis {
    pub fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let exe = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(&exe)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {exe} (install redis-server): {e}"));
        let redis = Redis {
            child,
            port,
            uri: format!("redis://127.0.0.1:{port}"),
        };
        for _ in 0..300 {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                use std::io::{Read, Write};
                let mut buf = [0u8; 7];
                if s.write_all(b"PING\r\n").is_ok()
                    && s.read(&mut buf).unwrap_or(0) > 0
                    && buf.starts_with(b"+PONG")
                {
                    return redis;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not answer on port {port}");
    }

    /// Deletes every key, as an operator's FLUSHALL would.
    pub fn flush_all(&self) {
        use std::io::{Read, Write};
        let mut s =
            std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("redis-server answers");
        s.write_all(b"FLUSHALL\r\n").expect("FLUSHALL sent");
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).expect("FLUSHALL answered");
        assert_eq!(
            &buf,
            b"+OK\r\n",
            "FLUSHALL answered {:?}",
            String::from_utf8_lossy(&buf)
        );
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
