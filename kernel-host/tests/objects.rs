//! The object model: ids from one counter, enumeration by next id, pins, info queries, links,
//! program arrays bound to one program type, maps of maps checked against their template,
//! batches, and invocations from many threads at once.

mod common;

use std::sync::Arc;

use common::*;
use ebpf_kernel_host::maps::{MapDef, MapType};
use ebpf_kernel_host::{
    Engine, InvokeErrorKind, Object, ObjectErrorKind, ObjectKind, Program, TestRun,
};
use ebpf_platform::{LINUX, WINDOWS};

#[test]
fn ids_come_from_one_counter_and_enumerate_by_kind() {
    let (host, _) = host(&LINUX);
    let loaded = load(&host, "tail_calls.o", Engine::Interpreter);
    let maps: Vec<u32> = loaded.maps().iter().map(|m| m.id()).collect();
    let programs: Vec<u32> = loaded.programs().iter().map(|p| p.id()).collect();
    assert_eq!(maps, [1, 2], "maps first, in the object's order");
    assert_eq!(programs, [3, 4]);
    let walk = |kind| {
        let mut ids = Vec::new();
        let mut at = 0;
        while let Some(id) = host.next_id(kind, at) {
            ids.push(id);
            at = id;
        }
        ids
    };
    assert_eq!(walk(ObjectKind::Map), maps);
    assert_eq!(walk(ObjectKind::Program), programs);
    assert_eq!(walk(ObjectKind::Link), Vec::<u32>::new());
    let chain = loaded.program("chain").unwrap().clone();
    let xdp = LINUX.attach_type("xdp").unwrap();
    let link = host.attach(&chain, xdp, 7).unwrap();
    assert_eq!(link.id(), 5);
    assert_eq!(walk(ObjectKind::Link), [5]);
    let info = link.info();
    assert_eq!(
        (info.program_id, info.attach_type, info.parameter),
        (3, xdp.number, 7)
    );
    match host.object(5).unwrap() {
        Object::Link(l) => assert_eq!(l.program().id(), 3),
        other => panic!("{other:?}"),
    }
    // Dropping every handle ends an object: its id is no longer listed.
    drop(link);
    assert_eq!(walk(ObjectKind::Link), Vec::<u32>::new());
    assert!(matches!(
        host.object(5).unwrap_err().kind(),
        ObjectErrorKind::NoSuchId { id: 5 }
    ));
}

#[test]
fn info_describes_programs_and_maps() {
    let (host, _) = host(&LINUX);
    let loaded = load(&host, "xdp_firewall.o", Engine::Jit);
    let p = loaded.program("xdp_firewall").unwrap();
    let info = p.info();
    assert_eq!((info.type_number, info.type_name), (6, "xdp"));
    assert_eq!(
        (info.name.as_str(), info.section.as_str()),
        ("xdp_firewall", "xdp")
    );
    assert_eq!(info.engine, Engine::Jit);
    let used: Vec<&str> = info
        .map_ids
        .iter()
        .map(|id| match host.object(*id).unwrap() {
            Object::Map(m) => m.name().to_string(),
            _ => unreachable!(),
        })
        .map(|n| loaded.map(&n).unwrap().name())
        .collect();
    assert_eq!(used, ["jump", "per_source", "blocked", "verdicts"]);
    assert!(info.instruction_bound > 0 && info.instructions > 0);
    let blocked = host.map_info(loaded.map("blocked").unwrap());
    assert_eq!(
        (
            blocked.type_number,
            blocked.type_name,
            blocked.key_size,
            blocked.value_size
        ),
        (11, "lpm_trie", 8, 4)
    );
    assert_eq!(
        (
            blocked.max_entries,
            blocked.flags,
            blocked.pinned_path_count
        ),
        (1024, 1, 0)
    );
}

#[test]
fn pins_keep_objects_alive_until_unpinned() {
    let (host, _) = host(&WINDOWS);
    let def = MapDef::new(MapType::Hash, 4, 8, 8);
    let map = host.create_map("counts", def).unwrap();
    let id = map.id();
    host.pin("/ebpf/global/counts", Object::Map(map.clone()))
        .unwrap();
    assert!(matches!(
        host.pin("/ebpf/global/counts", Object::Map(map.clone()))
            .unwrap_err()
            .kind(),
        ObjectErrorKind::AlreadyPinned { .. }
    ));
    assert_eq!(host.map_info(&map).pinned_path_count, 1);
    assert_eq!(host.map_info(&map).type_number, 1, "Windows numbering");
    drop(map);
    let again = host.pinned("/ebpf/global/counts").unwrap();
    assert_eq!(again.id(), id, "the pin kept it");
    assert_eq!(host.next_pin(None).as_deref(), Some("/ebpf/global/counts"));
    assert_eq!(host.next_pin(Some("/ebpf/global/counts")), None);
    drop(again);
    host.unpin("/ebpf/global/counts").unwrap();
    assert!(host.pinned("/ebpf/global/counts").is_err());
    assert_eq!(
        host.next_id(ObjectKind::Map, 0),
        None,
        "gone with its last handle"
    );
    assert!(matches!(
        host.unpin("/x").unwrap_err().kind(),
        ObjectErrorKind::NotPinned { .. }
    ));
}

#[test]
fn program_arrays_hold_one_program_type() {
    let (host, _) = host(&LINUX);
    let xdp = load(&host, "tail_calls.o", Engine::Interpreter);
    let jump = xdp.map("chain_jump").unwrap();
    let tail_miss = xdp.program("tail_miss").unwrap();
    jump.set_program(1, Some(tail_miss)).unwrap();
    assert_eq!(u32_at(jump, &1u32.to_ne_bytes()), tail_miss.id());
    // A socket filter cannot join an array of XDP programs.
    let object = object("tail_calls.o", &LINUX);
    let options = ebpf_kernel_host::LoadOptions {
        engine: Engine::Interpreter,
        functions: Some(&["tail_miss"]),
        program_type: Some("socket_filter"),
    };
    let filter = host.load(&object, &options).unwrap();
    let filter = filter.program("tail_miss").unwrap();
    let e = jump.set_program(1, Some(filter)).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ObjectErrorKind::ProgramTypeMismatch {
                expected: "xdp",
                got: "socket_filter"
            }
        ),
        "{e}"
    );
    jump.set_program(1, None).unwrap();
    let mut id = [0u8; 4];
    assert!(
        jump.map().lookup(&1u32.to_ne_bytes(), &mut id).is_err(),
        "cleared"
    );
}

#[test]
fn inner_maps_must_match_the_template() {
    let (host, _) = host(&LINUX);
    let loaded = load(&host, "maps.o", Engine::Interpreter);
    let outer = loaded.map("array_of_maps").unwrap();
    let wrong = host
        .create_map("wrong", MapDef::new(MapType::Array, 4, 8, 4))
        .unwrap();
    let e = outer
        .set_inner(&0u32.to_ne_bytes(), Some(&wrong))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("value_size is 8, the template's is 4"),
        "{e}"
    );
    let right = host
        .create_map("right", MapDef::new(MapType::Array, 4, 4, 4))
        .unwrap();
    outer.set_inner(&0u32.to_ne_bytes(), Some(&right)).unwrap();
    assert_eq!(
        outer.inner_map(&0u32.to_ne_bytes()).unwrap().id(),
        right.id()
    );
    // The program now writes into `right` through slot 0.
    let p = loaded.program("xdp_map_in_map").unwrap();
    run_on(p, &4u32.to_ne_bytes());
    assert_eq!(u32_at(&right, &0u32.to_ne_bytes()), 4);
}

fn run_on(p: &Program, data: &[u8]) -> u64 {
    p.test_run(&TestRun {
        data,
        ..TestRun::default()
    })
    .unwrap()
    .retval
}

#[test]
fn contexts_are_checked_against_the_program() {
    let (host, _) = host(&LINUX);
    let loaded = load(&host, "tail_calls.o", Engine::Interpreter);
    let p = loaded.program("tail_miss").unwrap();
    let mut ctx =
        ebpf_kernel_host::Context::new(LINUX.program_type("socket_filter").unwrap()).unwrap();
    let e = p.invoke(&mut ctx).unwrap_err();
    assert!(matches!(
        e.kind(),
        InvokeErrorKind::WrongContext {
            expected: "xdp",
            got: "socket_filter"
        }
    ));
    let (other, _) = common::host(&LINUX);
    let mut ctx = p.new_context().unwrap();
    let e = other.batch().invoke(p, &mut ctx).unwrap_err();
    assert_eq!(e.kind(), &InvokeErrorKind::ForeignProgram);
    let e = p
        .test_run(&TestRun {
            data: &[],
            ctx: Some(&[0; 25]),
            repeat: 1,
        })
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "program {}: 25 context bytes given, the xdp context has 24",
            p.id()
        )
    );
}

#[test]
fn a_batch_enters_once_and_many_threads_invoke_at_once() {
    for engine in ENGINES {
        let (host, _) = host(&LINUX);
        let loaded = load(&host, "xdp_firewall.o", engine);
        let p = loaded.program("xdp_firewall").unwrap().clone();
        let frame = ipv4([192, 168, 1, 1], 17, 53, 60);
        let mut batch = host.batch();
        let mut ctx = p.new_context().unwrap();
        for _ in 0..100 {
            ctx.set_packet(&frame).unwrap();
            assert_eq!(batch.invoke(&p, &mut ctx).unwrap(), 2);
        }
        drop(batch);
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let p: Arc<Program> = p.clone();
                let frame = ipv4([192, 168, 2, t], 17, 1000 + u16::from(t), 60);
                std::thread::spawn(move || {
                    let mut ctx = p.new_context().unwrap();
                    for _ in 0..500 {
                        ctx.set_packet(&frame).unwrap();
                        assert_eq!(p.invoke(&mut ctx).unwrap(), 2);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let verdicts = loaded.map("verdicts").unwrap();
        assert_eq!(u64_at(verdicts, &2u32.to_ne_bytes()), 2100, "{engine:?}");
        let ports = loaded.map("udp_ports").unwrap();
        for t in 0..4u16 {
            assert_eq!(u64_at(ports, &(1000 + t).to_ne_bytes()), 500, "{engine:?}");
        }
    }
}

/// An `Os` that counts the executable memory it hands out, or refuses it.
#[derive(Debug)]
struct CountingOs {
    inner: ebpf_kernel_host::os::StdOs,
    allocations: std::sync::atomic::AtomicUsize,
    refuse: bool,
}

impl ebpf_kernel_host::Os for CountingOs {
    fn alloc_exec(
        &self,
        len: usize,
    ) -> Result<Box<dyn ebpf_kernel_host::os::ExecMemory>, ebpf_kernel_host::os::OsError> {
        use ebpf_kernel_host::os::{OsError, OsErrorKind};
        if self.refuse {
            return Err(OsError::new(OsErrorKind::OutOfMemory { len, errno: None }));
        }
        self.allocations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.alloc_exec(len)
    }
    fn monotonic_ns(&self) -> u64 {
        self.inner.monotonic_ns()
    }
    fn boot_ns(&self) -> u64 {
        self.inner.boot_ns()
    }
    fn fill_random(&self, buf: &mut [u8]) {
        self.inner.fill_random(buf)
    }
    fn current_cpu(&self) -> usize {
        self.inner.current_cpu()
    }
    fn cpu_count(&self) -> usize {
        self.inner.cpu_count()
    }
    fn trace(&self, line: &str) {
        self.inner.trace(line)
    }
}

#[test]
fn jit_images_live_in_the_os_executable_memory() {
    for refuse in [false, true] {
        let os = Arc::new(CountingOs {
            inner: ebpf_kernel_host::os::StdOs::new().with_cpu_count(1),
            allocations: Default::default(),
            refuse,
        });
        let host = ebpf_kernel_host::Host::new(os.clone(), &LINUX);
        let object = object("tail_calls.o", &LINUX);
        let options = ebpf_kernel_host::LoadOptions {
            engine: Engine::Jit,
            ..Default::default()
        };
        match host.load(&object, &options) {
            Ok(loaded) => {
                assert!(!refuse);
                assert_eq!(os.allocations.load(std::sync::atomic::Ordering::Relaxed), 2);
                assert_eq!(run_on(loaded.program("tail_miss").unwrap(), &[0; 14]), 7);
            }
            Err(e) => {
                assert!(refuse);
                assert!(
                    matches!(e.kind(), ebpf_kernel_host::LoadErrorKind::Os(_)),
                    "{e}"
                );
                assert!(e.to_string().contains("cannot allocate"), "{e}");
            }
        }
    }
}
