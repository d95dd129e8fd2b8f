//! `__sk_buff.sk` on a host without kernel sockets: the field is always null, whatever the
//! embedder passes, so a tc program that reads `skb->sk` the usual way (null check,
//! `bpf_sk_fullsock`, `bpf_tcp_sock`) loads and takes its null path on both engines.

mod common;

use common::*;
use ebpf_kernel_host::hooks::skb::{SkbHook, SkbMeta, TcAction};
use ebpf_kernel_host::LoadOptions;
use ebpf_platform::LINUX;

#[test]
fn skb_sk_is_null_and_the_program_takes_its_null_path() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/verify/skb_sk.o");
    let bytes = std::fs::read(path).unwrap();
    let object =
        ebpf_loader::Object::parse(&bytes, &ebpf_loader::LoadOptions::new(&LINUX)).unwrap();
    for engine in ENGINES {
        let (host, _) = host(&LINUX);
        let options = LoadOptions {
            engine,
            functions: Some(&["skb_sk_state"]),
            ..LoadOptions::default()
        };
        let loaded = host
            .load(&object, &options)
            .unwrap_or_else(|e| panic!("{engine:?}: {e}"));
        let hook = SkbHook::tc(&host, true).unwrap();
        let at = LINUX.attach_type("tcx_ingress").unwrap();
        let program = loaded.program("skb_sk_state").unwrap();
        let _l = host.attach(program, at, 5).unwrap();
        let mut ctx = hook.new_context().unwrap();
        // Whatever an embedder leaves in the structure, the socket field is null.
        ctx.set_fields(&[0xff; 192]).unwrap();
        let mut batch = hook.hook().batch();
        let frame = ipv4([192, 168, 1, 1], 6, 80, 120);
        let out = hook
            .classify(&mut batch, 5, &frame, &SkbMeta::default(), &mut ctx)
            .unwrap();
        assert_eq!(
            (out.action, out.programs),
            (TcAction::Pass, 1),
            "{engine:?}"
        );
        // The mark the program sets only on its null path.
        assert_eq!(ctx.field("mark").unwrap(), 0x5c, "{engine:?}");
    }
}

#[test]
fn the_socket_field_is_no_number_field_and_stays_null() {
    let (host, _) = host(&LINUX);
    let hook = SkbHook::tc(&host, true).unwrap();
    let mut ctx = hook.new_context().unwrap();
    assert!(ctx.set_field("sk", 0x1234).is_err());
    assert!(ctx.field("sk").is_err());
    ctx.set_fields(&[0xff; 192]).unwrap();
    let fields = ctx.fields();
    assert_eq!(&fields[168..176], &[0; 8]);
    assert_eq!(&fields[164..168], &[0xff; 4], "gso_segs is kept");
}
