//! An embedding host for an XDP firewall: loads `tests/host/xdp_firewall.o` (or the object
//! named on the command line) on a Linux-semantics host, blocks two prefixes in its LPM trie,
//! attaches it to the XDP hook as a wildcard program, feeds it a stream of synthetic frames
//! from two interfaces, and prints what the hook decided and the program's own counters.
//!
//! ```text
//! cargo run --release -p ebpf-kernel-host --example xdp_firewall_host [FILE.o] [PACKETS]
//! ```

use std::collections::BTreeMap;
use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use ebpf_kernel_host::hooks::xdp::{XdpAction, XdpHook};
use ebpf_kernel_host::hooks::WILDCARD;
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{Host, LoadOptions};
use ebpf_loader::{LoadOptions as ReadOptions, Object};
use ebpf_platform::LINUX;

/// Linux's XDP action names by value (the index of the firewall's `verdicts` array).
const ACTIONS: [&str; 5] = [
    "XDP_ABORTED",
    "XDP_DROP",
    "XDP_PASS",
    "XDP_TX",
    "XDP_REDIRECT",
];

/// An Ethernet/IPv4 frame from `src`: UDP to `port`, or TCP when `port` is 0; 64 bytes.
fn frame(src: [u8; 4], port: u16) -> Vec<u8> {
    let mut f = vec![0u8; 64];
    f[..12].copy_from_slice(&[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f[14] = 0x45;
    f[16..18].copy_from_slice(&50u16.to_be_bytes());
    f[22] = 64;
    f[23] = if port == 0 { 6 } else { 17 };
    f[26..30].copy_from_slice(&src);
    f[30..34].copy_from_slice(&[10, 9, 9, 9]);
    f[36..38].copy_from_slice(&port.to_be_bytes());
    f
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/host/xdp_firewall.o").to_string()
    });
    let packets: u64 = args.next().map_or(Ok(1_000_000), |n| n.parse())?;

    // The host, and the object's maps and programs in it (verified, on the JIT).
    let host = Host::new(Arc::new(StdOs::new()), &LINUX);
    let bytes = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
    let object = Object::parse(&bytes, &ReadOptions::new(&LINUX))?;
    let loaded = host.load(&object, &LoadOptions::default())?;
    let firewall = loaded
        .program("xdp_firewall")
        .ok_or("the object has no xdp_firewall program")?;
    let map = |name: &str| {
        loaded
            .map(name)
            .ok_or(format!("the object has no map {name}"))
    };

    // Blocked prefixes: key = prefix length, then the address in network order.
    for (prefix, len) in [([10, 0, 0, 0], 8u32), ([192, 168, 66, 0], 24)] {
        let mut key = len.to_ne_bytes().to_vec();
        key.extend_from_slice(&prefix);
        map("blocked")?.map().update(&key, &1u32.to_ne_bytes(), 0)?;
        println!(
            "blocked {}.{}.{}.{}/{len}",
            prefix[0], prefix[1], prefix[2], prefix[3]
        );
    }

    // Attached to every interface; the link detaches it when dropped.
    let xdp = XdpHook::new(&host)?;
    let link = host.attach(firewall, LINUX.attach_type("xdp").unwrap(), WILDCARD)?;
    println!(
        "attached program {} ({}) as link {}",
        firewall.id(),
        firewall.name(),
        link.id()
    );

    // Some sources, blocked and not, UDP and TCP.
    let stream: Vec<(u32, Vec<u8>)> = (0..64u8)
        .map(|i| {
            let src = match i % 4 {
                0 => [10, 1, i, 1],
                1 => [192, 168, 66, i],
                2 => [192, 168, 1, i],
                _ => [172, 16, 0, i],
            };
            let port = if i % 3 == 0 { 0 } else { 53 + u16::from(i % 2) };
            (1 + u32::from(i % 2), frame(src, port))
        })
        .collect();

    let mut ctx = xdp.new_context()?;
    let mut decided: BTreeMap<XdpAction, u64> = BTreeMap::new();
    let start = Instant::now();
    let mut batch = xdp.hook().batch();
    for n in 0..packets {
        let (ifindex, f) = &stream[(n % stream.len() as u64) as usize];
        ctx.set_packet(f)?;
        let out = xdp.run(&mut batch, *ifindex, &mut ctx)?;
        *decided.entry(out.action).or_default() += 1;
    }
    drop(batch);
    let elapsed = start.elapsed();

    println!(
        "\n{packets} packets in {:.3} s: {:.2} M packets/s",
        elapsed.as_secs_f64(),
        packets as f64 / elapsed.as_secs_f64() / 1e6
    );
    println!("hook actions:");
    for (action, n) in &decided {
        println!("  {:<12} {n}", action.name());
    }
    println!("the program's verdict counters:");
    let verdicts = map("verdicts")?;
    for (i, name) in ACTIONS.iter().enumerate() {
        let mut v = [0u8; 8];
        verdicts.map().lookup(&(i as u32).to_ne_bytes(), &mut v)?;
        println!("  {name:<12} {}", u64::from_ne_bytes(v));
    }
    println!("UDP packets by destination port:");
    map("udp_ports")?.for_each(|k, v| {
        let port = u16::from_ne_bytes([k[0], k[1]]);
        println!(
            "  {port:<12} {}",
            u64::from_ne_bytes(v.try_into().unwrap_or([0; 8]))
        );
    });
    let mut sources = 0;
    map("per_source")?.for_each(|_, _| sources += 1);
    println!("distinct sources seen: {sources}");
    link.detach()?;
    Ok(())
}
