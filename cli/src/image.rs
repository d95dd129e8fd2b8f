//! Native images on the command line: `ebpf keygen` (an ed25519 key pair in two files),
//! `ebpf compile FILE.o -o FILE.ebpf` (verify, JIT, write the image, signed with `--key`), and
//! the keys `ebpf run FILE.ebpf --pubkey KEY.pub` trusts.
//!
//! Key files are one line of text: `ebpf-ed25519-secret-key <64 hex digits>` (the ed25519
//! seed) and `ebpf-ed25519-public-key <64 hex digits>`; files of exactly 32 raw bytes are read
//! as keys too.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use ebpf_kernel_host::image::{self, NativeImage};
use ebpf_kernel_host::LoadErrorKind;
use ebpf_platform::Platform;
use serde_json::{json, Value};

use crate::engine::Engine;
use crate::hex::{parse_bytes, to_hex};
use crate::output::{Failure, Out};

/// The label of a secret key file.
pub const SECRET_LABEL: &str = "ebpf-ed25519-secret-key";
/// The label of a public key file.
pub const PUBLIC_LABEL: &str = "ebpf-ed25519-public-key";

/// Whether `bytes` start like a native image.
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(&image::format::MAGIC)
}

/// Whether the file at `path` starts like a native image.
pub fn is_image_file(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && is_image(&magic)
}

/// `path` with `.pub` appended (`key` → `key.pub`).
pub fn public_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// A new key pair from the system's random source, written to `path` (the secret, readable by
/// the owner only) and `path.pub`; existing files are kept unless `force`. Returns the public
/// key.
pub fn keygen(path: &Path, force: bool) -> Result<[u8; 32]> {
    let public_file = public_path(path);
    for p in [path, public_file.as_path()] {
        if !force && p.exists() {
            bail!("{} exists; pass --force to overwrite it", p.display());
        }
    }
    let mut secret = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut secret))
        .context("cannot read random bytes from /dev/urandom")?;
    let public = image::public_key(&secret);
    write_private(path, &format!("{SECRET_LABEL} {}\n", to_hex(&secret)))?;
    std::fs::write(
        &public_file,
        format!("{PUBLIC_LABEL} {}\n", to_hex(&public)),
    )
    .with_context(|| format!("cannot write {}", public_file.display()))?;
    Ok(public)
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Reads a key file: `LABEL <hex>` or 32 raw bytes.
fn read_key(path: &Path, label: &str) -> Result<[u8; 32]> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if let Ok(raw) = <[u8; 32]>::try_from(bytes.as_slice()) {
        return Ok(raw);
    }
    let text = String::from_utf8_lossy(&bytes);
    let hex = text.trim().strip_prefix(label).ok_or_else(|| {
        let other = if label == SECRET_LABEL {
            PUBLIC_LABEL
        } else {
            SECRET_LABEL
        };
        if text.trim().starts_with(other) {
            anyhow!("{} holds a {other}, not a {label}", path.display())
        } else {
            anyhow!(
                "{} is not a key file (`{label} <64 hex digits>` or 32 raw bytes)",
                path.display()
            )
        }
    })?;
    let key = parse_bytes(hex.trim()).with_context(|| path.display().to_string())?;
    <[u8; 32]>::try_from(key.as_slice())
        .map_err(|_| anyhow!("{}: a key has 32 bytes, not {}", path.display(), key.len()))
}

/// Reads a secret key file.
pub fn read_secret(path: &Path) -> Result<[u8; 32]> {
    read_key(path, SECRET_LABEL)
}

/// Reads a public key file.
pub fn read_public(path: &Path) -> Result<[u8; 32]> {
    read_key(path, PUBLIC_LABEL)
}

/// What `ebpf compile` wrote.
#[derive(Debug)]
pub struct Compiled {
    /// The file written.
    pub output: PathBuf,
    /// The image.
    pub image: NativeImage,
    /// Its size in bytes.
    pub bytes: usize,
    /// The signer's public key, when signed.
    pub signer: Option<[u8; 32]>,
}

/// `ebpf compile`'s JSON: `output`, `bytes`, `platform`, `signed`, `public_key`, `maps` (names)
/// and `programs` [{`section`, `function`, `program_type`, `attach_type`, `instructions`,
/// `instruction_bound`, `code_bytes`, `relocations`, `helpers`, `platform_hash`}].
pub fn json(c: &Compiled) -> Value {
    let programs: Vec<Value> = c
        .image
        .programs
        .iter()
        .map(|p| {
            json!({
                "section": p.section,
                "function": p.function,
                "program_type": p.program_type,
                "attach_type": p.attach_type.as_ref().map(|a| a.0.as_str()),
                "instructions": p.instructions,
                "instruction_bound": p.instruction_bound,
                "code_bytes": p.code.len(),
                "relocations": p.relocations.len(),
                "helpers": p.helpers.iter().map(|h| h.0).collect::<Vec<_>>(),
                "platform_hash": to_hex(&p.platform_hash()),
            })
        })
        .collect();
    json!({
        "output": c.output.display().to_string(),
        "bytes": c.bytes,
        "platform": c.image.platform,
        "signed": c.signer.is_some(),
        "public_key": c.signer.map(|k| to_hex(&k)),
        "maps": c.image.maps.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        "programs": programs,
    })
}

/// `ebpf compile`'s text: one line per program, then the file.
pub fn text(c: &Compiled) -> String {
    let mut s = String::new();
    for p in &c.image.programs {
        let _ = writeln!(
            s,
            "{}/{} ({}): {} instructions, at most {} per run, {} bytes of x86-64",
            p.section,
            p.function,
            p.program_type,
            p.instructions,
            p.instruction_bound,
            p.code.len()
        );
    }
    let signed = match c.signer {
        Some(k) => format!("signed by {}", to_hex(&k)),
        None => "unsigned".to_string(),
    };
    let _ = writeln!(
        s,
        "{}: {} program{}, {} map{}, {} bytes, {signed}",
        c.output.display(),
        c.image.programs.len(),
        if c.image.programs.len() == 1 { "" } else { "s" },
        c.image.maps.len(),
        if c.image.maps.len() == 1 { "" } else { "s" },
        c.bytes
    );
    s
}

/// What `ebpf keygen` prints: the files, and the public key.
pub fn keygen_command<W: std::io::Write>(
    path: &Path,
    force: bool,
    out: &mut Out<W>,
) -> Result<(), Failure> {
    let public = keygen(path, force).map_err(Failure::bad_input)?;
    let public_file = public_path(path);
    out.either(
        || {
            json!({
                "secret_key": path.display().to_string(),
                "public_key": public_file.display().to_string(),
                "public": to_hex(&public),
            })
        },
        || {
            format!(
                "secret key: {}\npublic key: {} ({})\n",
                path.display(),
                public_file.display(),
                to_hex(&public)
            )
        },
    )
}

/// What `ebpf compile` was asked for.
#[derive(Debug)]
pub struct CompileRequest {
    /// The image file to write.
    pub output: PathBuf,
    /// The secret key file to sign with.
    pub key: Option<PathBuf>,
    /// The entry functions to compile (empty: all).
    pub functions: Vec<String>,
    /// The program type of every program.
    pub program_type: Option<String>,
}

/// `ebpf compile`: verifies and compiles `object`, writes the image (signed with the key, if
/// one is given) and prints what it holds. A rejected program exits 1, other failures 2.
pub fn compile<W: std::io::Write>(
    file: &Path,
    object: &ebpf_loader::Object,
    req: CompileRequest,
    out: &mut Out<W>,
) -> Result<(), Failure> {
    let secret = req
        .key
        .as_deref()
        .map(read_secret)
        .transpose()
        .map_err(Failure::bad_input)?;
    let functions: Vec<&str> = req.functions.iter().map(String::as_str).collect();
    let options = image::CompileOptions {
        functions: (!functions.is_empty()).then_some(functions.as_slice()),
        program_type: req.program_type.as_deref(),
    };
    let compiled = image::compile(object, &options).map_err(|e| {
        let error = anyhow!("{}: {e}", file.display());
        match e.kind() {
            LoadErrorKind::Rejected(_) => Failure::failed(error),
            _ => Failure::bad_input(error),
        }
    })?;
    let mut bytes = compiled.encode();
    if let Some(secret) = &secret {
        bytes = image::sign(&bytes, secret).map_err(|e| Failure::bad_input(anyhow!("{e}")))?;
    }
    std::fs::write(&req.output, &bytes)
        .with_context(|| format!("cannot write {}", req.output.display()))
        .map_err(Failure::bad_input)?;
    let done = Compiled {
        output: req.output,
        bytes: bytes.len(),
        image: compiled,
        signer: secret.as_ref().map(image::public_key),
    };
    out.either(|| json(&done), || text(&done))
}

/// What `ebpf run FILE.ebpf` was asked for.
#[derive(Debug)]
pub struct ImageRun {
    /// The program's section.
    pub section: Option<String>,
    /// The program's entry function.
    pub function: Option<String>,
    /// The engine asked for (only the JIT runs images).
    pub engine: Option<Engine>,
    /// The host's platform (default: the image's).
    pub platform: Option<&'static Platform>,
    /// The packet file.
    pub data: Option<PathBuf>,
    /// The context file.
    pub ctx: Option<PathBuf>,
    /// Runs.
    pub repeat: u32,
    /// Whether to print the maps afterwards.
    pub dump_maps: bool,
    /// Trusted public key files.
    pub pubkey: Vec<PathBuf>,
    /// `--mem` (for raw programs only).
    pub mem: String,
}

/// `ebpf run FILE.ebpf`: loads the image in a host of its platform (or `--platform`'s),
/// trusting the `--pubkey` keys, and runs the chosen program as `ebpf run FILE.o` does.
pub fn run<W: std::io::Write>(file: &Path, req: ImageRun, out: &mut Out<W>) -> Result<(), Failure> {
    let shown = file.display();
    if !req.mem.is_empty() {
        return Err(Failure::bad_input(anyhow!(
            "{shown}: --mem is for raw instructions; an image's program takes --data and --ctx"
        )));
    }
    if req.engine == Some(Engine::Interp) {
        return Err(Failure::bad_input(anyhow!(
            "{shown}: a native image holds machine code: it runs on the JIT's run support only \
             (--engine jit)"
        )));
    }
    let keys = req
        .pubkey
        .iter()
        .map(|p| read_public(p))
        .collect::<Result<Vec<_>>>()
        .map_err(Failure::bad_input)?;
    let bytes = std::fs::read(file)
        .with_context(|| format!("cannot read {shown}"))
        .map_err(Failure::bad_input)?;
    let platform = match req.platform {
        Some(p) => p,
        None => {
            let parsed = NativeImage::decode(&bytes)
                .map_err(|e| Failure::bad_input(anyhow!("{shown}: {e}")))?;
            Platform::by_name(&parsed.platform).ok_or_else(|| {
                Failure::bad_input(anyhow!(
                    "{shown}: the image is for platform {}, which this tool does not know",
                    parsed.platform
                ))
            })?
        }
    };
    let read = |path: &Option<PathBuf>, what: &str| -> Result<Option<Vec<u8>>, Failure> {
        path.as_ref()
            .map(|p| {
                std::fs::read(p)
                    .with_context(|| format!("{what}: cannot read {}", p.display()))
                    .map_err(Failure::bad_input)
            })
            .transpose()
    };
    let ran = crate::invoke::run(crate::invoke::Request {
        file,
        source: crate::invoke::Source::Image {
            bytes: &bytes,
            keys: &keys,
            platform,
            section: req.section.as_deref(),
            function: req.function.as_deref(),
        },
        engine: Engine::Jit,
        data: read(&req.data, "--data")?.unwrap_or_default(),
        ctx: read(&req.ctx, "--ctx")?,
        repeat: req.repeat,
        dump_maps: req.dump_maps,
    })?;
    out.either(|| crate::invoke::json(&ran), || crate::invoke::text(&ran))
}
