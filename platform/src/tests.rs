//! Consistency of every platform's tables: context layouts, section conventions, helper
//! prototypes and map types.

use crate::ArgKind::{
    self, Map, MapKey, MapValue, MapValueOut, MapValueOutOnSuccess, Size, SizeOrZero,
};
use crate::{ContextLayout, Platform, SectionPrefix, LINUX, PLATFORMS, WINDOWS};

#[test]
fn platforms_by_name() {
    assert_eq!(Platform::by_name("linux"), Some(&LINUX));
    assert_eq!(Platform::by_name("windows"), Some(&WINDOWS));
    assert_eq!(Platform::by_name("macos"), None);
}

#[test]
fn context_layouts_are_consistent() {
    for p in PLATFORMS {
        for t in p.program_types {
            let id = std::format!("{} {}", p.name, t.name);
            assert_eq!(
                p.program_types.iter().filter(|o| o.name == t.name).count(),
                1,
                "{id}"
            );
            assert_eq!(
                p.program_types
                    .iter()
                    .filter(|o| o.number == t.number)
                    .count(),
                1,
                "{id}"
            );
            let Some(c) = &t.context else {
                assert_eq!(t.helper_groups, 0, "{id}: no context, no helpers");
                continue;
            };
            for r in c.readable.iter().chain(c.writable) {
                assert!(r.start < r.end && r.end <= c.size, "{id}: {r:?}");
            }
            for f in c.fields {
                assert!(f.size > 0 && f.offset + f.size <= c.size, "{id}: {f:?}");
            }
            for w in c.writable {
                assert!(
                    ContextLayout::covers(c.readable, w.start.into(), w.end.into()),
                    "{id}: writable {w:?} is not readable"
                );
            }
            for off in [c.data, c.data_end, c.data_meta].into_iter().flatten() {
                let end = i64::from(off) + i64::from(c.pointer_size);
                assert!(
                    ContextLayout::covers(c.readable, off.into(), end),
                    "{id}: pointer field at {off} is not readable"
                );
                assert!(
                    !c.writable
                        .iter()
                        .any(|w| w.start < end as u32 && off < w.end),
                    "{id}: pointer field at {off} is writable"
                );
                let f = c.field_at(off).expect("pointer fields are named");
                assert_eq!(
                    (f.offset, f.size),
                    (off, u32::from(c.pointer_size)),
                    "{id}: {}",
                    f.name
                );
            }
            assert_eq!(c.data.is_some(), c.data_end.is_some(), "{id}");
            assert!(c.data_meta.is_none() || c.data.is_some(), "{id}");
            assert!(!t.packet_writable || c.data.is_some(), "{id}");
        }
    }
}

/// Every layout with pointer fields narrower than 8 bytes has a host context, and only those:
/// the structure first, then an 8-byte aligned slot per pointer, none overlapping another or
/// the structure.
#[test]
fn host_contexts_follow_narrow_pointer_fields() {
    for p in PLATFORMS {
        for t in p.program_types {
            let Some(c) = &t.context else { continue };
            let id = std::format!("{} {}", p.name, t.name);
            let narrow = c.data.is_some() && c.pointer_size < 8;
            assert_eq!(c.host.is_some(), narrow, "{id}");
            let Some(h) = c.host else {
                assert_eq!(c.host_size(), c.size, "{id}");
                assert_eq!(c.data.and_then(|d| c.host_offset(d)), None, "{id}");
                continue;
            };
            assert_eq!(c.host_size(), h.size, "{id}");
            let slots = [h.data, h.data_end, h.data_meta];
            for (i, &slot) in slots.iter().enumerate() {
                assert!(
                    slot % 8 == 0 && slot >= c.size && slot + 8 <= h.size,
                    "{id}"
                );
                assert!(
                    slots[..i].iter().all(|&o| o + 8 <= slot || slot + 8 <= o),
                    "{id}: slots overlap"
                );
            }
            assert_eq!(c.host_offset(c.data.unwrap()), Some(h.data), "{id}");
            assert_eq!(c.host_offset(c.data_end.unwrap()), Some(h.data_end), "{id}");
            assert_eq!(
                c.data_meta.and_then(|m| c.host_offset(m)),
                c.data_meta.map(|_| h.data_meta),
                "{id}"
            );
            for f in c.fields {
                assert_eq!(
                    c.host_offset(f.offset).is_some(),
                    [c.data, c.data_end, c.data_meta].contains(&Some(f.offset)),
                    "{id}: {}",
                    f.name
                );
            }
        }
    }
}

#[test]
fn linux_xdp_md_and_sk_buff_host_contexts() {
    let xdp = LINUX.program_type("xdp").unwrap().context.unwrap();
    assert_eq!(
        xdp.host,
        Some(crate::HostContext {
            size: 48,
            data: 24,
            data_end: 32,
            data_meta: 40,
        })
    );
    assert_eq!(
        (xdp.host_offset(0), xdp.host_offset(4), xdp.host_offset(8)),
        (Some(24), Some(32), Some(40))
    );
    assert_eq!(xdp.host_offset(12), None, "ingress_ifindex is a number");
    let skb_host = crate::HostContext {
        size: 216,
        data: 192,
        data_end: 200,
        data_meta: 208,
    };
    // Every `__sk_buff` view shares one host structure, metadata slot included.
    for name in [
        "socket_filter",
        "sched_cls",
        "sched_act",
        "cgroup_skb",
        "lwt_in",
        "sk_skb",
    ] {
        let c = LINUX.program_type(name).unwrap().context.unwrap();
        assert_eq!((c.name, c.host), ("__sk_buff", Some(skb_host)), "{name}");
        assert_eq!(
            (c.host_offset(76), c.host_offset(80)),
            (Some(192), Some(200))
        );
    }
    // Structures with 8-byte pointers (`sk_msg_md`) and Windows' contexts are passed as they are.
    let msg = LINUX.program_type("sk_msg").unwrap().context.unwrap();
    assert_eq!((msg.host, msg.host_size()), (None, 80));
    for t in WINDOWS.program_types {
        let c = t.context.unwrap();
        assert_eq!((c.host, c.host_size()), (None, c.size), "{}", t.name);
    }
}

#[test]
fn section_conventions_name_known_types() {
    for p in PLATFORMS {
        for s in p.sections {
            assert!(
                p.program_type(s.program_type).is_some(),
                "{}: {s:?}",
                p.name
            );
            if let Some(a) = s.attach_type {
                assert!(p.attach_type(a).is_some(), "{}: {s:?}", p.name);
            }
            let found = p.section(s.prefix).unwrap();
            assert_eq!(found.program_type.name, s.program_type, "{}: {s:?}", p.name);
            assert_eq!(
                p.sections.iter().filter(|o| o.prefix == s.prefix).count(),
                1
            );
        }
        for a in p.attach_types {
            assert_eq!(
                p.attach_types
                    .iter()
                    .filter(|o| o.number == a.number)
                    .count(),
                1
            );
            assert_eq!(
                p.attach_types.iter().filter(|o| o.name == a.name).count(),
                1
            );
        }
        if let Some(name) = p.default_program_type {
            assert!(p.program_type(name).is_some(), "{}", p.name);
        }
    }
}

/// A type has a largest packet exactly when its context has one, below 2 GiB (the verifier
/// compares packet offsets as signed numbers).
#[test]
fn packet_sizes_belong_to_types_with_packets() {
    for p in PLATFORMS {
        for t in p.program_types {
            let has_packet = t.context.is_some_and(|c| c.data_end.is_some());
            assert_eq!(
                t.max_packet_size > 0,
                has_packet,
                "{} {}: max_packet_size {}",
                p.name,
                t.name,
                t.max_packet_size
            );
            assert!(t.max_packet_size < 1 << 31);
        }
    }
    let skb = LINUX.program_type("sched_cls").unwrap().max_packet_size;
    assert!(skb > 0xffff, "GSO packets are larger than 65,535 bytes");
}

#[test]
fn section_matching_takes_the_longest_prefix() {
    const TABLE: &[SectionPrefix] = &[
        crate::program::sec("cgroup/sock", "short", None),
        crate::program::sec("cgroup/sock_release", "long", Some("release")),
        crate::program::sec("kprobe/", "probe", None),
    ];
    let types = [
        crate::ProgramType {
            name: "short",
            number: 1,
            context: None,
            packet_writable: false,
            legacy_packet_loads: false,
            max_packet_size: 0,
            helper_groups: 0,
            return_range: None,
            verdicts: &[],
        },
        crate::ProgramType {
            name: "long",
            number: 2,
            ..LINUX.program_types[0]
        },
        crate::ProgramType {
            name: "probe",
            number: 3,
            ..LINUX.program_types[0]
        },
    ];
    let types: &'static [crate::ProgramType] = std::boxed::Box::leak(std::boxed::Box::new(types));
    let p = Platform {
        name: "test",
        program_types: types,
        attach_types: &[crate::AttachType {
            name: "release",
            number: 7,
        }],
        sections: TABLE,
        path_conventions: &[],
        default_program_type: None,
        helpers: &[],
        map_types: &[],
        map_records: &[],
        refuse_pointer_disclosure: true,
        attach_contexts: &[],
    };
    let s = p.section("cgroup/sock_release").unwrap();
    assert_eq!(
        (s.program_type.name, s.attach_type.map(|a| a.number)),
        ("long", Some(7))
    );
    assert_eq!(s.target, None);
    assert_eq!(p.section("cgroup/sock").unwrap().program_type.name, "short");
    // Sloppy names match the longest prefix they start with.
    assert_eq!(
        p.section("cgroup/sock_releasex").unwrap().program_type.name,
        "long"
    );
    assert_eq!(
        p.section("cgroup/sockets").unwrap().program_type.name,
        "short"
    );
    // A target follows a `/` prefix, or a `/` after a name.
    assert_eq!(
        p.section("kprobe/sys_write").unwrap().target,
        Some("sys_write")
    );
    assert_eq!(p.section("cgroup/sock/x").unwrap().target, Some("x"));
    assert_eq!(p.section("cgroup"), None);
    // The real tables too.
    let release = LINUX.section("cgroup/sock_release").unwrap();
    assert_eq!(
        release.attach_type.map(|a| a.name),
        Some("cgroup_inet_sock_release")
    );
    assert_eq!(
        LINUX.section("xdp_prog/0").unwrap().program_type.name,
        "xdp"
    );
    let devmap = LINUX.section("xdp/devmap").unwrap();
    assert_eq!(devmap.attach_type.map(|a| a.name), Some("xdp_devmap"));
    assert_eq!(
        LINUX.section("socket1").unwrap().program_type.name,
        "socket_filter"
    );
}

#[test]
fn helper_prototypes_are_well_formed() {
    const N: ArgKind = ArgKind::None;
    for p in PLATFORMS {
        let all_groups = p.program_types.iter().fold(0, |g, t| g | t.helper_groups);
        for (i, h) in p.helpers.iter().enumerate() {
            assert!(
                h.groups & all_groups != 0,
                "{}: {} is callable by no type",
                p.name,
                h.name
            );
            for o in &p.helpers[i + 1..] {
                assert!(
                    o.id != h.id || o.groups & h.groups == 0,
                    "{}: {} and {} share id {} and a group",
                    p.name,
                    h.name,
                    o.name,
                    h.id
                );
            }
            for (i, &arg) in h.args.iter().enumerate() {
                let next = h.args.get(i + 1).copied().unwrap_or(N);
                let prev = if i == 0 { N } else { h.args[i - 1] };
                let at = std::format!("{} {} arg {}", p.name, h.name, i + 1);
                if arg.is_sized_mem() {
                    assert!(matches!(next, Size | SizeOrZero), "{at}");
                }
                if matches!(arg, Size | SizeOrZero) {
                    let named = h.args.iter().any(|a| a.size_index() == Some(i));
                    assert!(prev.is_sized_mem() || named, "{at}");
                }
                if let Some(n) = arg.size_index() {
                    assert!(matches!(h.args[n], Size | SizeOrZero), "{at}");
                }
                if matches!(arg, MapKey | MapValue | MapValueOut | MapValueOutOnSuccess) {
                    assert!(h.args[..i].iter().any(|a| matches!(a, Map(_))), "{at}");
                }
                if let Map(req) = arg {
                    // Every map argument names the kinds it takes, never an unmodelled one.
                    assert!(!req.kinds.is_empty(), "{at}");
                    assert!(!req.accepts(crate::MapKind::Other(0)), "{at}");
                }
                if arg == N {
                    assert!(h.args[i..].iter().all(|&a| a == N), "{at}");
                }
            }
        }
    }
    // eBPF for Windows numbers hook helpers from 0x10000, above every general helper.
    for h in WINDOWS.helpers {
        assert_eq!(h.groups == 1, h.id.0 < 0xFFFF, "{}", h.name);
    }
}

#[test]
fn map_types_are_numbered_once() {
    for p in PLATFORMS {
        for t in p.map_types {
            assert_eq!(p.map_type(t.number), Some(t), "{}", p.name);
            assert_eq!(p.map_type_named(t.name), Some(t), "{}", p.name);
        }
        assert!(p.map_type_named("array").is_some() && p.map_type_named("hash").is_some());
        let sizes: std::vec::Vec<u32> = p.map_records.iter().map(|r| r.min_size).collect();
        assert!(
            sizes.windows(2).all(|w| w[0] > w[1]),
            "{}: largest first",
            p.name
        );
        assert!(p.min_map_record() >= 16, "{}", p.name);
    }
}

#[test]
fn map_kinds_have_one_bit_each_and_a_lookup_model() {
    use crate::{Lookup, MapKind, MapKinds, MapReq};
    let mut seen = 0u32;
    for (i, k) in MapKind::ALL.iter().enumerate() {
        assert_eq!(k.bit(), 1 << i, "{k:?}");
        seen |= k.bit();
    }
    assert_eq!(MapKinds(seen), MapKinds::ALL);
    assert_eq!(MapKind::Other(7).bit(), MapKind::Other(0).bit());
    // Only kinds whose lookups give memory or a map are looked up in.
    for k in MapKind::ALL {
        assert_eq!(
            MapReq::LOOKUP.accepts(k),
            k.lookup() != Lookup::Refused,
            "{k:?}"
        );
    }
    assert!(MapReq::LOOKUP.accepts(MapKind::DevMap));
    for k in [
        MapKind::StackTrace,
        MapKind::CgroupArray,
        MapKind::SockMap,
        MapKind::XskMap,
    ] {
        assert!(!MapReq::LOOKUP.accepts(k), "{k:?}");
    }
    assert!(MapReq::DATA.accepts_all(MapKind::Hash.bit() | MapKind::LpmTrie.bit()));
    assert!(!MapReq::DATA.accepts_all(MapKind::Hash.bit() | MapKind::Queue.bit()));
    let set = MapKinds::of(&[MapKind::Hash, MapKind::Array, MapKind::Queue]);
    assert_eq!(std::format!("{set}"), "hash, array or queue");
    assert_eq!(std::format!("{}", MapKinds(0)), "no map");
}

#[test]
fn map_arguments_name_the_kinds_they_take() {
    use crate::{HelperId, MapKind, MapKinds};
    let kinds = |p: &Platform, id: u32| {
        let h = p.helper(HelperId(id)).unwrap();
        h.args
            .iter()
            .find_map(|a| match a {
                Map(req) => Some(*req),
                _ => None,
            })
            .unwrap()
    };
    let of = MapKinds::of;
    let qs = of(&[MapKind::Queue, MapKind::Stack]);
    assert_eq!(
        kinds(&LINUX, 87).kinds,
        of(&[MapKind::Queue, MapKind::Stack, MapKind::BloomFilter])
    );
    for id in [88, 89] {
        assert_eq!(kinds(&LINUX, id).kinds, qs);
        assert!(kinds(&LINUX, id).reads);
    }
    assert!(kinds(&LINUX, 88).changes && !kinds(&LINUX, 89).changes);
    assert_eq!(
        kinds(&LINUX, 51).kinds,
        of(&[MapKind::DevMap, MapKind::CpuMap, MapKind::XskMap])
    );
    assert_eq!(kinds(&LINUX, 27).kinds, of(&[MapKind::StackTrace]));
    assert_eq!(kinds(&LINUX, 33).kinds, of(&[MapKind::CgroupArray]));
    assert_eq!(kinds(&LINUX, 53).kinds, of(&[MapKind::SockMap]));
    assert_eq!(kinds(&LINUX, 70).kinds, of(&[MapKind::SockHash]));
    for id in [2, 3] {
        assert!(kinds(&LINUX, id).changes);
        assert!(!kinds(&LINUX, id).accepts(MapKind::SockMap));
    }
    for id in [16, 17, 18] {
        assert_eq!(kinds(&WINDOWS, id).kinds, qs);
    }
    let pop = WINDOWS.helper(HelperId(17)).unwrap();
    assert_eq!(pop.args[1], MapValueOutOnSuccess);
    let pop = LINUX.helper(HelperId(88)).unwrap();
    assert_eq!(pop.args[1], MapValueOut);
}

#[test]
fn builtins_are_resolved_by_symbol_on_every_platform() {
    for p in PLATFORMS {
        for (symbol, ret) in [
            ("memcpy", crate::RetKind::FirstArg),
            ("memmove", crate::RetKind::FirstArg),
            ("memset", crate::RetKind::FirstArg),
            ("memcmp", crate::RetKind::Sign),
        ] {
            let b = p
                .builtin(symbol)
                .unwrap_or_else(|| panic!("{}: {symbol}", p.name));
            assert!(crate::BUILTIN_IDS.contains(&b.id.0) && b.id.is_builtin());
            assert_eq!((b.name, b.ret), (symbol, ret));
            // Callable by every program type that may call helpers, through the ordinary
            // helper lookup.
            for t in p.program_types.iter().filter(|t| t.helper_groups != 0) {
                assert_eq!(p.helper_for(b.id, t), Some(b), "{} {}", p.name, t.name);
            }
            // The size is the third argument, for every buffer.
            assert_eq!(b.args[0].size_index(), Some(2));
            assert_eq!(b.args[2], SizeOrZero);
        }
        // Real helpers keep their names: `bpf_memcpy` is no builtin, nor is a helper's id.
        assert!(p.builtin("bpf_memcpy").is_none() && p.builtin("strlen").is_none());
        assert!(p
            .helpers
            .iter()
            .all(|h| h.id.is_builtin() == (h.id.0 >= 0x7f00_0000)));
    }
}
