//! A bind and connect policy host: an embedding host (a socket layer) that loads eBPF for
//! Windows socket programs, attaches them to the bind and connect hooks, hands the hooks
//! bind and connect events and prints their decisions.
//!
//! The policy (`tests/host/windows_sock.c`): process 4242 may not bind ports 8000 to 8099
//! (`bind_policy`, keyed on the process id by the `denied_ports` map); connections to
//! 192.0.2.10:80 are redirected to 198.51.100.7:8080 (`connect_redirect`, the `redirects`
//! map), with a redirect context, and connections to port 25 are rejected.
//!
//! ```text
//! cargo run --release --example sock_policy
//! ```

use std::error::Error;
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;

use ebpf_kernel_host::hooks::bind::{BindEvent, BindHook};
use ebpf_kernel_host::hooks::sock::SockAddrEvent;
use ebpf_kernel_host::hooks::sock_addr::SockAddrHook;
use ebpf_kernel_host::hooks::WILDCARD;
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{Host, LoadOptions};
use ebpf_loader::{LoadOptions as ReadOptions, Object};
use ebpf_platform::WINDOWS;

/// The policy programs, built by `tests/host/build.sh`.
const OBJECT: &[u8] = include_bytes!("../tests/host/windows_sock.o");

/// The process whose binds are restricted, and its forbidden ports.
const PID: u64 = 4242;
const DENIED: (u16, u16) = (8000, 8099);
/// Connections to `FROM` go to `TO`.
const FROM: &str = "192.0.2.10:80";
const TO: &str = "198.51.100.7:8080";

/// A `redirects` map key or value: address and port in network order, two bytes of padding.
fn endpoint(a: SocketAddrV4) -> Vec<u8> {
    let mut b = a.ip().octets().to_vec();
    b.extend(a.port().to_be_bytes());
    b.extend([0, 0]);
    b
}

fn main() -> Result<(), Box<dyn Error>> {
    let host = Host::new(Arc::new(StdOs::new()), &WINDOWS);
    let object = Object::parse(OBJECT, &ReadOptions::new(&WINDOWS))?;
    let loaded = host.load(&object, &LoadOptions::default())?;
    let program = |name| loaded.program(name).ok_or(format!("no program {name}"));

    // The policy's data.
    let mut range = DENIED.0.to_ne_bytes().to_vec();
    range.extend(DENIED.1.to_ne_bytes());
    let denied = loaded.map("denied_ports").ok_or("no denied_ports map")?;
    denied.map().update(&PID.to_ne_bytes(), &range, 0)?;
    let redirects = loaded.map("redirects").ok_or("no redirects map")?;
    redirects
        .map()
        .update(&endpoint(FROM.parse()?), &endpoint(TO.parse()?), 0)?;

    // Attach: the bind hook takes one program; the connect hook's program runs in every
    // compartment (the wildcard parameter).
    let _bind_link = host.attach(
        program("bind_policy")?,
        WINDOWS.attach_type("bind").ok_or("no bind attach type")?,
        WILDCARD,
    )?;
    let _connect_link = host.attach(
        program("connect_redirect")?,
        WINDOWS
            .attach_type("cgroup_inet4_connect")
            .ok_or("no connect attach type")?,
        WILDCARD,
    )?;
    println!(
        "policy: process {PID} may not bind ports {}-{}; connects to {FROM} go to {TO}; port 25 is refused",
        DENIED.0, DENIED.1
    );

    // Bind events from the socket layer.
    let bind = BindHook::new(&host)?;
    let mut ctx = bind.new_context()?;
    let mut batch = bind.hook().batch();
    for (pid, address) in [
        (PID, "0.0.0.0:8080"),
        (PID, "0.0.0.0:8100"),
        (1000, "0.0.0.0:8080"),
        (PID, "10.0.0.5:8099"),
    ] {
        let mut event = BindEvent::new(pid, address.parse()?);
        event.app_id = b"server.exe".to_vec();
        let out = bind.run(&mut batch, &mut ctx, &event)?;
        println!(
            "bind    pid {pid:>5} {address:<21} -> {} ({})",
            out.verdict.name(),
            if out.verdict.permits() {
                "permitted"
            } else {
                "denied"
            }
        );
    }
    drop(batch);

    // Connect events.
    let connect = SockAddrHook::new(&host, "cgroup_inet4_connect")?;
    let mut ctx = connect.new_context()?;
    let mut batch = connect.hook().batch();
    for (pid, remote) in [(PID, FROM), (PID, "192.0.2.10:443"), (77, "192.0.2.11:25")] {
        let local: SocketAddr = "10.0.0.5:50000".parse()?;
        let event = SockAddrEvent::new(local, remote.parse()?).from_process(pid as u32, 1);
        let out = connect.run(&mut batch, &mut ctx, &event)?;
        let mut line = format!(
            "connect pid {pid:>5} {local} -> {remote:<16} -> {}",
            out.verdict.name()
        );
        if let Some(to) = out.redirect {
            line += &format!(", redirected to {to}");
        }
        if let Some(context) = &out.redirect_context {
            let text = String::from_utf8_lossy(context);
            line += &format!(" (redirect context {:?})", text.trim_end_matches('\0'));
        }
        println!("{line}");
    }
    Ok(())
}
