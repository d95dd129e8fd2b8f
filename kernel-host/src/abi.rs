//! The contract between JIT-compiled code and the host that runs it, as `ebpf_jit::abi`
//! defines it, restated here so that running native code (a native image, [`crate::image`])
//! needs no JIT in the build: a `no_std` host runs images without `ebpf-jit`. A test (feature
//! `std`) checks every value against `ebpf_jit::abi`.

/// The ABI version ([`ebpf_jit::abi::ABI_VERSION`] with feature `std`).
pub(crate) const ABI_VERSION: u32 = 3;

pub(crate) const CTX_DISPATCH: i32 = 0;
pub(crate) const CTX_HELPER_ID: i32 = 8;
pub(crate) const CTX_SAVED_RSP: i32 = 16;
pub(crate) const CTX_FAULT_KIND: i32 = 24;
pub(crate) const CTX_FAULT_PC: i32 = 28;
pub(crate) const CTX_ARGS: i32 = 32;
pub(crate) const CTX_STACK_TOP: i32 = 72;
pub(crate) const CTX_MIN_CALL_FP: i32 = 80;
pub(crate) const CTX_PACKET: i32 = 88;
pub(crate) const CTX_PACKET_LEN: i32 = 96;
pub(crate) const CTX_DIRECT_HELPERS: i32 = 104;
pub(crate) const MAX_DIRECT_HELPERS: usize = 16;
pub(crate) const CTX_RESOLVE_LDDW: i32 = 104 + 8 * MAX_DIRECT_HELPERS as i32;
pub(crate) const CTX_FIXED_SIZE: usize = CTX_RESOLVE_LDDW as usize + 8;

pub(crate) const FAULT_HELPER: u32 = 1;
pub(crate) const FAULT_CALL_DEPTH: u32 = 2;
pub(crate) const FAULT_FELL_OFF: u32 = 3;
#[cfg_attr(not(feature = "std"), allow(dead_code))]
pub(crate) const FAULT_HOST_PANIC: u32 = 4;

pub(crate) const STACK_SIZE: usize = 512;
pub(crate) const MAX_FRAMES: usize = 8;
pub(crate) const TOTAL_STACK: usize = STACK_SIZE * MAX_FRAMES;

#[cfg(all(test, feature = "std"))]
mod tests {
    use ebpf_jit::abi as jit;

    #[test]
    fn the_restated_abi_is_the_jits() {
        assert_eq!(super::ABI_VERSION, jit::ABI_VERSION);
        let offsets = [
            (super::CTX_DISPATCH, jit::CTX_DISPATCH),
            (super::CTX_HELPER_ID, jit::CTX_HELPER_ID),
            (super::CTX_SAVED_RSP, jit::CTX_SAVED_RSP),
            (super::CTX_FAULT_KIND, jit::CTX_FAULT_KIND),
            (super::CTX_FAULT_PC, jit::CTX_FAULT_PC),
            (super::CTX_ARGS, jit::CTX_ARGS),
            (super::CTX_STACK_TOP, jit::CTX_STACK_TOP),
            (super::CTX_MIN_CALL_FP, jit::CTX_MIN_CALL_FP),
            (super::CTX_PACKET, jit::CTX_PACKET),
            (super::CTX_PACKET_LEN, jit::CTX_PACKET_LEN),
            (super::CTX_DIRECT_HELPERS, jit::CTX_DIRECT_HELPERS),
            (super::CTX_RESOLVE_LDDW, jit::CTX_RESOLVE_LDDW),
        ];
        for (ours, theirs) in offsets {
            assert_eq!(ours, theirs);
        }
        assert_eq!(super::CTX_FIXED_SIZE, jit::CTX_FIXED_SIZE);
        assert_eq!(super::MAX_DIRECT_HELPERS, jit::MAX_DIRECT_HELPERS);
        let faults = [
            (super::FAULT_HELPER, jit::FAULT_HELPER),
            (super::FAULT_CALL_DEPTH, jit::FAULT_CALL_DEPTH),
            (super::FAULT_FELL_OFF, jit::FAULT_FELL_OFF),
            (super::FAULT_HOST_PANIC, jit::FAULT_HOST_PANIC),
        ];
        for (ours, theirs) in faults {
            assert_eq!(ours, theirs);
        }
        assert_eq!(super::STACK_SIZE, jit::STACK_SIZE);
        assert_eq!(super::MAX_FRAMES, jit::MAX_FRAMES);
        assert_eq!(super::TOTAL_STACK, jit::TOTAL_STACK);
    }
}
