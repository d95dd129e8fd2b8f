//! The helper tables against the platform descriptions.

use alloc::vec::Vec;

use ebpf_platform::{HelperId, LINUX, PLATFORMS};

use super::*;

#[test]
fn every_helper_offered_to_a_supported_type_is_implemented_or_deliberately_left_out() {
    for platform in PLATFORMS {
        for name in supported_program_types(platform) {
            let t = platform.program_type(name).expect("supported types exist");
            let implemented: Vec<HelperId> = implemented_for(platform, t).collect();
            let missing: Vec<&str> = platform
                .helpers
                .iter()
                .filter(|h| platform.helper_for(h.id, t).is_some())
                .filter(|h| !implemented.contains(&h.id))
                .filter(|h| !not_offered(platform).iter().any(|n| n.id == h.id.0))
                .map(|h| h.name)
                .collect();
            assert!(
                missing.is_empty(),
                "{} {name}: offered but neither implemented nor listed: {missing:?}",
                platform.name
            );
        }
    }
}

#[test]
fn tables_name_only_the_platforms_helpers() {
    for platform in PLATFORMS {
        for id in implemented(platform) {
            assert!(
                platform.helper(id).is_some(),
                "{}: helper {id} implemented but not described",
                platform.name
            );
        }
        for n in not_offered(platform) {
            assert!(platform.helper(HelperId(n.id)).is_some());
            assert!(
                !implemented(platform).any(|i| i.0 == n.id),
                "{}: {} both implemented and left out",
                platform.name,
                n.id
            );
        }
        let table = HelperTable::new(platform);
        for id in implemented(platform) {
            assert!(table.get(id.0).is_some());
        }
        assert!(table.get(1_000_000).is_none());
    }
}

#[test]
fn hook_helpers_are_the_types_own() {
    use ebpf_platform::WINDOWS;
    let table = HelperTable::new(&WINDOWS);
    let t = |name| WINDOWS.program_type(name).unwrap();
    let f = |id, name| table.get_for(id, t(name)).map(|f| f as *const () as usize);
    assert_eq!(
        f(0x10000, "sockops"),
        Some(sock::sock_ops_flow_id as *const () as usize)
    );
    assert_eq!(
        f(0x10000, "xdp"),
        Some(packet::xdp_adjust_head_windows as *const () as usize)
    );
    assert_eq!(
        f(19, "sock_addr"),
        Some(sock::current_pid_tgid as *const () as usize)
    );
    assert_eq!(
        f(19, "xdp"),
        Some(misc::get_current_pid_tgid as *const () as usize),
        "the general helper where the type has no override"
    );
    assert_eq!(f(26, "xdp"), None, "only sock_addr overrides 26");
    assert_eq!(
        f(26, "sock_addr"),
        Some(sock::socket_cookie as *const () as usize)
    );
    assert_eq!(f(0x10001, "sockops"), None);
    assert_eq!(f(1, "sockops"), f(1, "xdp"));
}

#[test]
fn linux_xdp_gets_what_the_hook_issue_lists() {
    let want = [
        1, 2, 3, 5, 6, 7, 8, 12, 23, 25, 28, 44, 51, 65, 87, 88, 89, 125, 130, 131, 132, 133, 134,
    ];
    let have: Vec<u32> = implemented(&LINUX).map(|h| h.0).collect();
    for id in want {
        assert!(have.contains(&id), "linux helper {id}");
    }
}

#[test]
fn windows_implements_every_general_helper_its_core_implements() {
    // eBPF for Windows' core leaves only 26 (get_socket_cookie) and 35 (redirect_map) to
    // program-type overrides (efw-facts §4.2, §4.3); every other general helper is here.
    let platform = &ebpf_platform::WINDOWS;
    let have: Vec<u32> = implemented(platform).map(|h| h.0).collect();
    for id in 1..=35u32 {
        let core_has_none = id == 26 || id == 35;
        assert!(
            platform.helper(HelperId(id)).is_some(),
            "general helper {id}"
        );
        assert_eq!(have.contains(&id), !core_has_none, "general helper {id}");
        assert_eq!(
            not_offered(platform).iter().any(|n| n.id == id),
            core_has_none,
            "general helper {id}"
        );
    }
}
