//! Compiles a validated config into a `LaunchPlan`: plain data and open fds
//! that the child only applies. Everything that can fail on bad input fails
//! here, in the parent, before any side effect.

use crate::error::{shown, About, Result, SysResult};
use crate::process::handoff::{Handoff, UserIds};
use crate::rootfs::options::{self, MountOptions};
use crate::security::process_attrs;
use crate::spec::validate::ns_name;
use crate::spec::Error;
use nix::sched::CloneFlags;
use oci_spec::runtime::{LinuxIdMapping, LinuxNamespaceType, Process, Spec};
use std::ffi::CString;
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

/// Command-line options of `create` that shape the launch.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// berth runs rootless (`rootless::detect`): only delegated cgroups.
    pub rootless: bool,
    pub no_pivot: bool,
    pub no_new_keyring: bool,
    pub preserve_fds: u32,
}

pub struct LaunchPlan {
    pub id: String,
    pub bundle: PathBuf,
    pub rootfs: PathBuf,
    /// What the state document and the hooks report of the config.
    pub oci_version: String,
    pub annotations: std::collections::HashMap<String, String>,
    /// rlimits, scheduler, I/O priority, oom_score_adj, the terminal.
    pub attrs: process_attrs::Attrs,
    pub hostname: Option<String>,
    pub domainname: Option<String>,
    /// Where the container's cgroups go and what is written there.
    pub cgroups: crate::cgroups::CgroupPlan,
    /// linux.resources as applied (rootless, without what it cannot hold),
    /// recorded in state.json for `update` to merge with.
    pub resources: oci_spec::runtime::LinuxResources,
    pub memory_policy: Option<process_attrs::MemoryPolicy>,
    /// linux.seccomp.listenerPath and listenerMetadata, for a NOTIFY agent.
    pub seccomp_listener: Option<PathBuf>,
    pub seccomp_metadata: String,
    pub ns: NamespacePlan,
    pub mounts: Vec<MountPlan>,
    /// What the process becomes before it execs the container's program.
    pub handoff: Handoff,
    /// process.execCPUAffinity.initial, set at init's start.
    pub initial_cpus: Option<Vec<usize>>,
    pub hooks: crate::hooks::Hooks,
    pub devices: crate::rootfs::devices::DevPlan,
    pub sysctl: Vec<(String, String)>,
    pub masked: Vec<PathBuf>,
    pub readonly: Vec<PathBuf>,
    pub rootfs_readonly: bool,
    pub rootfs_propagation: Option<nix::mount::MsFlags>,
    pub opts: CreateOptions,
    pub personality: Option<libc::c_ulong>,
    /// The compiled filter; init only installs it.
    pub seccomp: Option<crate::security::seccomp::Program>,
}

pub struct NamespacePlan {
    /// New namespaces created by the clone itself.
    pub clone_flags: CloneFlags,
    /// Existing namespaces to join, user first (joined namespaces grant the
    /// privileges needed to join the others), with their index in
    /// linux.namespaces.
    pub joins: Vec<(LinuxNamespaceType, OwnedFd, usize)>,
    /// Joined by the parent before clone (a pid namespace applies to children).
    pub parent_pid_join: Option<OwnedFd>,
    /// A new user namespace created by unshare in the child after the joins.
    pub unshare_user: bool,
    /// New namespaces unshared in the child after the joins.
    pub unshare_flags: CloneFlags,
    /// unshare(CLONE_NEWPID) only affects children: fork once more.
    pub fork_for_pid: bool,
    pub new_user: bool,
    /// The new user namespace's maps, and who writes them.
    pub maps: crate::userns::IdMaps,
    pub new_time: bool,
    /// linux.timeOffsets, as the new time namespace's timens_offsets text.
    pub time_offsets: Option<String>,
    pub has_mount_ns: bool,
    pub new_pid: bool,
    pub new_uts: bool,
    /// A network namespace of its own, new: its loopback is brought up.
    pub new_net: bool,
}

impl NamespacePlan {
    /// The container has a user namespace of its own: a new one, or joined.
    pub fn in_user_ns(&self) -> bool {
        self.new_user || self.joins.iter().any(|(t, ..)| *t == LinuxNamespaceType::User)
    }
}

pub struct MountPlan {
    /// Index in config.json, for error messages.
    pub index: usize,
    /// Destination relative to the rootfs, lexically normalized.
    pub destination: PathBuf,
    pub typ: String,
    pub source: Option<PathBuf>,
    /// The source as a detached mount the parent made, when the container
    /// has a user namespace: attached by fd, never looked up by path.
    pub source_fd: Option<OwnedFd>,
    pub options: MountOptions,
    /// For an idmapped mount: the maps, compiled here...
    pub idmap_maps: Option<(Vec<LinuxIdMapping>, Vec<LinuxIdMapping>)>,
    /// ...and a user namespace holding them, made by `create` once side
    /// effects may start (`open_idmap_namespaces`): making one forks.
    pub idmap_userns: Option<OwnedFd>,
}

pub fn compile(id: &str, bundle: &Path, spec: Spec, opts: CreateOptions) -> Result<LaunchPlan> {
    let bundle = std::fs::canonicalize(bundle).sys_at("realpath", bundle).flag("--bundle")?;
    let root = spec.root().as_ref().ok_or_else(|| crate::Error::field("root", "missing"))?;
    let rootfs_path = bundle.join(root.path());
    let rootfs = std::fs::canonicalize(&rootfs_path).sys_at("realpath", &rootfs_path).field("root.path")?;
    let process = spec.process().clone().ok_or_else(|| crate::Error::field("process", "missing"))?;
    let linux = spec.linux().clone().unwrap_or_default();
    let ns = namespaces(&spec)?;
    let mounts = mounts(&spec, &bundle, ns.in_user_ns())?;
    let attrs = process_attrs::compile(&process)?;
    let personality = personality(&linux)?;
    let seccomp = match linux.seccomp() {
        Some(s) => {
            let started = std::time::Instant::now();
            let program = crate::security::seccomp::compile(s)?;
            crate::logging::debug(&format!(
                "linux.seccomp: compiled {} BPF instructions in {} us",
                program.filter.len(),
                started.elapsed().as_micros()
            ));
            for line in &program.skipped {
                crate::logging::debug(&format!("linux.seccomp: {line}"));
            }
            Some(program)
        }
        None => None,
    };
    let grantable =
        if ns.in_user_ns() { crate::security::caps::kernel_caps() } else { crate::security::caps::held_by_us() };
    let mut handoff = handoff(&process, grantable, seccomp.is_some(), personality, opts.preserve_fds)?;
    handoff.user.groups_denied = ns.maps.deny_setgroups;
    let initial_cpus = process_attrs::cpu_list(
        process.exec_cpu_affinity().as_ref().and_then(|a| a.initial().as_ref()),
        "process.execCPUAffinity.initial",
    )?;
    let mut resources = linux.resources().clone().unwrap_or_default();
    let cgroups =
        crate::cgroups::plan(cgroup_path(linux.cgroups_path().as_deref(), id)?, &mut resources, opts.rootless)?;
    let mut sysctl: Vec<(String, String)> = linux.sysctl().clone().unwrap_or_default().into_iter().collect();
    sysctl.sort();
    Ok(LaunchPlan {
        id: id.to_string(),
        // Checked here as it is compiled; refused with runc's prefix.
        hooks: crate::hooks::Hooks::compile(spec.hooks().as_ref()).map_err(crate::Error::invalid_config)?,
        devices: crate::rootfs::devices::DevPlan::compile(
            linux.devices().as_deref().unwrap_or_default(),
            mounts.iter().any(|m| m.destination == Path::new("dev") && m.options.is_bind()),
            |path| mounts.iter().any(|m| Path::new("/").join(&m.destination) == path),
            // Rootless, berth itself may be in a user namespace (podman's):
            // no mknod there either.
            ns.in_user_ns() || opts.rootless,
        ),
        sysctl,
        masked: linux.masked_paths().clone().unwrap_or_default().into_iter().map(PathBuf::from).collect(),
        readonly: linux.readonly_paths().clone().unwrap_or_default().into_iter().map(PathBuf::from).collect(),
        rootfs_readonly: root.readonly().unwrap_or(false),
        rootfs_propagation: linux.rootfs_propagation().as_deref().and_then(options::propagation_option),
        bundle,
        rootfs,
        attrs,
        ns,
        mounts,
        handoff,
        initial_cpus,
        opts,
        personality,
        seccomp,
        oci_version: spec.version().clone(),
        annotations: spec.annotations().clone().unwrap_or_default(),
        hostname: spec.hostname().clone().filter(|h| !h.is_empty()),
        domainname: spec.domainname().clone().filter(|d| !d.is_empty()),
        cgroups,
        resources,
        memory_policy: process_attrs::MemoryPolicy::compile(linux.memory_policy().as_ref())?,
        seccomp_listener: linux.seccomp().as_ref().and_then(|s| s.listener_path().clone()),
        seccomp_metadata: linux.seccomp().as_ref().and_then(|s| s.listener_metadata().clone()).unwrap_or_default(),
    })
}

/// linux.personality as the persona for personality(2).
pub fn personality(linux: &oci_spec::runtime::Linux) -> Result<Option<libc::c_ulong>> {
    let Some(p) = linux.personality() else { return Ok(None) };
    if p.flags().as_ref().is_some_and(|f| !f.is_empty()) {
        return Err(crate::Error::field("linux.personality.flags", "no flags are supported"));
    }
    Ok(Some(match p.domain() {
        oci_spec::runtime::LinuxPersonalityDomain::PerLinux => 0x0000,
        oci_spec::runtime::LinuxPersonalityDomain::PerLinux32 => 0x0008,
    }))
}

/// Connects to linux.seccomp.listenerPath when the compiled profile has
/// NOTIFY rules: the process cannot reach host paths once inside.
pub fn seccomp_agent(
    program: Option<&crate::security::seccomp::Program>,
    listener: Option<&Path>,
) -> Result<Option<OwnedFd>> {
    if !program.is_some_and(|p| p.wants_listener) {
        return Ok(None);
    }
    const FIELD: &str = "linux.seccomp.listenerPath";
    let Some(path) = listener else { return Err(crate::Error::field(FIELD, "NOTIFY rules need a listener path")) };
    let s = std::os::unix::net::UnixStream::connect(path)
        .map_err(|e| super::Error::NoAgent { path: path.to_path_buf(), os: e.into() })
        .field(FIELD)?;
    s.set_write_timeout(Some(crate::process::console::PEER_TIMEOUT))
        .sys_at("setsockopt SO_SNDTIMEO", path)
        .field(FIELD)?;
    Ok(Some(s.into()))
}

fn clone_flag(t: LinuxNamespaceType) -> CloneFlags {
    match t {
        // Made by the child, see init.
        LinuxNamespaceType::Time => CloneFlags::empty(),
        t => CloneFlags::from_bits_retain(super::ns_kind::of(t).clone_flag),
    }
}

/// Decides which namespaces the clone creates, which the child joins and which
/// it unshares afterwards. One clone when nothing is joined (the common case).
fn namespaces(spec: &Spec) -> Result<NamespacePlan> {
    let linux = spec.linux().clone().unwrap_or_default();
    let list = linux.namespaces().clone().unwrap_or_default();
    let mut new = CloneFlags::empty();
    let mut joins = Vec::new();
    let mut pid_join = None;
    let mut new_user = false;
    let mut new_time = false;
    for (i, ns) in list.iter().enumerate() {
        match ns.path() {
            Some(path) => {
                let fd = open_ns(path, ns.typ()).with_field(|| format!("linux.namespaces[{i}].path"))?;
                if ns.typ() == LinuxNamespaceType::Pid {
                    pid_join = Some(fd);
                } else {
                    joins.push((ns.typ(), fd, i));
                }
            }
            None => {
                new |= clone_flag(ns.typ());
                new_user |= ns.typ() == LinuxNamespaceType::User;
                new_time |= ns.typ() == LinuxNamespaceType::Time;
            }
        }
    }
    // Join the user namespace first: it decides what the others may do.
    joins.sort_by_key(|(t, ..)| *t != LinuxNamespaceType::User);
    let joins_user = joins.first().is_some_and(|(t, ..)| *t == LinuxNamespaceType::User);
    let new_pid = new.contains(CloneFlags::CLONE_NEWPID);
    let user_involved = joins_user || (new_user && !joins.is_empty());
    let (clone_flags, unshare_flags, unshare_user, fork_for_pid, parent_pid_join) = if !user_involved {
        // New namespaces are owned by our user namespace either way: clone them.
        (new, CloneFlags::empty(), false, false, pid_join)
    } else {
        // New namespaces must be owned by the joined or the new user namespace,
        // so they are unshared after the joins; a new pid namespace then needs a fork.
        if pid_join.is_some() {
            let why = "joining a pid namespace together with a user namespace path is not supported";
            return Err(crate::Error::field("linux.namespaces", why));
        }
        let rest = new - CloneFlags::CLONE_NEWUSER;
        (CloneFlags::empty(), rest, new_user, new_pid, None)
    };
    // A new cgroup namespace is always unshared by init after the parent moved
    // it into the container's cgroup, so that this cgroup becomes its root.
    let cgroup = new & CloneFlags::CLONE_NEWCGROUP;
    let (clone_flags, unshare_flags) = (clone_flags - cgroup, unshare_flags | cgroup);
    Ok(NamespacePlan {
        clone_flags,
        joins,
        parent_pid_join,
        unshare_user,
        unshare_flags,
        fork_for_pid,
        new_user,
        maps: id_maps(spec, new_user)?,
        new_time,
        time_offsets: time_offsets(linux.time_offsets().as_ref())?,
        has_mount_ns: list.iter().any(|n| n.typ() == LinuxNamespaceType::Mount),
        new_pid: new_pid || list.iter().any(|n| n.typ() == LinuxNamespaceType::Pid),
        new_uts: new.contains(CloneFlags::CLONE_NEWUTS),
        new_net: new.contains(CloneFlags::CLONE_NEWNET),
    })
}

/// The maps a new user namespace gets; who writes them is decided here, so
/// what an unprivileged user cannot map is refused before any side effect.
fn id_maps(spec: &Spec, new_user: bool) -> Result<crate::userns::IdMaps> {
    let linux = spec.linux().as_ref();
    let uid = linux.and_then(|l| l.uid_mappings().clone()).unwrap_or_default();
    let gid = linux.and_then(|l| l.gid_mappings().clone()).unwrap_or_default();
    if !new_user {
        return Ok(crate::userns::IdMaps::written_by_us(uid, gid));
    }
    let additional = spec.process().as_ref().and_then(|p| p.user().additional_gids().clone()).unwrap_or_default();
    crate::userns::compile(&uid, &gid, &additional)
}

/// linux.timeOffsets as the kernel's timens_offsets file takes them: one
/// line per clock, `CLOCK_ID SECS NANOSECS`.
fn time_offsets(
    offsets: Option<&std::collections::HashMap<String, oci_spec::runtime::LinuxTimeOffset>>,
) -> Result<Option<String>> {
    let Some(offsets) = offsets else { return Ok(None) };
    let mut text = String::new();
    for (clock, off) in offsets {
        let id = match clock.as_str() {
            "monotonic" => libc::CLOCK_MONOTONIC,
            "boottime" => libc::CLOCK_BOOTTIME,
            other => return Err(crate::Error::field("linux.timeOffsets", format!("unknown clock {other:?}"))),
        };
        text.push_str(&format!("{id} {} {}\n", off.secs().unwrap_or(0), off.nanosecs().unwrap_or(0)));
    }
    Ok(Some(text))
}

fn open_ns(path: &Path, typ: LinuxNamespaceType) -> Result<OwnedFd> {
    let fd: OwnedFd = std::fs::File::open(path).sys_at("open", path)?.into();
    // NS_GET_NSTYPE: make sure the file is a namespace of the declared type.
    const NS_GET_NSTYPE: libc::c_ulong = 0xb703;
    use std::os::fd::AsRawFd;
    // SAFETY: the ioctl takes no argument and returns the CLONE_NEW* type.
    let kind = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_NSTYPE as _) };
    let want = match typ {
        LinuxNamespaceType::Time => libc::CLONE_NEWTIME,
        t => clone_flag(t).bits(),
    };
    if kind < 0 {
        return Err(Error::NotNamespace { path: path.to_path_buf(), kind: None }.into());
    }
    if kind != want {
        return Err(Error::NotNamespace { path: path.to_path_buf(), kind: Some(ns_name(typ).to_string()) }.into());
    }
    Ok(fd)
}

/// The cgroup path relative to each hierarchy root. Empty means the default,
/// `/berth-<id>`: flat, like crun's `/<id>`, so no shared parent is made and
/// removed around every container (two more mkdir/rmdir per hierarchy, about
/// 1 ms a run), and prefixed so an id never names someone else's cgroup.
/// Relative paths are taken from the root as well.
fn cgroup_path(cgroups_path: Option<&Path>, id: &str) -> Result<PathBuf> {
    let p = match cgroups_path {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from(format!("berth-{id}")),
    };
    let rel = relative_destination(&p).field("linux.cgroupsPath")?;
    if rel.as_os_str().is_empty() {
        return Err(crate::Error::field("linux.cgroupsPath", format!("{} names the root cgroup", shown(&p))));
    }
    Ok(rel)
}

/// Normalizes a mount destination to a path relative to the rootfs, refusing
/// any `..` that would climb out of it.
pub fn relative_destination(dest: &Path) -> Result<PathBuf> {
    let mut out = PathBuf::new();
    for c in dest.components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return Err(Error::ClimbsOut { path: dest.to_path_buf() }.into());
                }
            }
            Component::Normal(n) => out.push(n),
            Component::Prefix(_) => return Err(crate::Error::path(dest, "not a Linux path")),
        }
    }
    Ok(out)
}

/// The user namespaces idmapped mounts are made with: one throw-away child
/// each, so this is for `create` to call, not for compiling.
pub fn open_idmap_namespaces(mounts: &mut [MountPlan]) -> Result<()> {
    for m in mounts.iter_mut() {
        if let Some((uid, gid)) = &m.idmap_maps {
            m.idmap_userns = Some(crate::userns::namespace_fd(uid, gid).with_field(|| format!("mounts[{}]", m.index))?);
        }
    }
    Ok(())
}

/// In a user namespace, bind sources are taken here, by the host's root, as
/// detached copies (open_tree) that init attaches with move_mount: the
/// container's mapped root may have no way to reach them by path (runc too
/// opens them on the host side).
fn mounts(spec: &Spec, bundle: &Path, in_userns: bool) -> Result<Vec<MountPlan>> {
    let mut out = Vec::new();
    for (i, m) in spec.mounts().as_deref().unwrap_or_default().iter().enumerate() {
        let field = |name: &str| format!("mounts[{i}].{name}");
        let destination = relative_destination(m.destination()).with_field(|| field("destination"))?;
        let options = options::parse(m.options().as_deref().unwrap_or_default()).with_field(|| field("options"))?;
        let typ = m.typ().clone().unwrap_or_default();
        let is_bind = options.is_bind() || typ == "bind";
        let source = match m.source() {
            Some(s) if is_bind && s.is_relative() => Some(bundle.join(s)),
            other => other.clone(),
        };
        if is_bind {
            let Some(src) = &source else {
                return Err(crate::Error::field(field("source"), "a bind mount needs a source"));
            };
            std::fs::metadata(src).sys_at("stat", src).with_field(|| field("source"))?;
        } else if typ.is_empty() {
            return Err(crate::Error::field(field("type"), "missing for a mount that is not a bind mount"));
        }
        let mut options = options;
        let has_maps = m.uid_mappings().is_some() || m.gid_mappings().is_some();
        if options.idmap.is_none() && has_maps {
            // Mappings without the option: idmapped, recursive for rbind (as runc).
            options.idmap = Some(options.flags.contains(nix::mount::MsFlags::MS_REC));
        }
        let idmap_maps = match options.idmap {
            None => None,
            Some(_) => {
                let (Some(uid), Some(gid)) = (m.uid_mappings(), m.gid_mappings()) else {
                    return Err(crate::Error::field(field("uidMappings/gidMappings"), "an idmapped mount needs both"));
                };
                if !is_bind {
                    let why = format!("idmap works on bind mounts only, not {typ:?}");
                    return Err(crate::Error::field(field("options"), why));
                }
                Some((uid.clone(), gid.clone()))
            }
        };
        if typ == "bind" {
            options.flags |= nix::mount::MsFlags::MS_BIND;
        }
        // A parent without root reaches the sources as the container's user
        // does (its own ids are the ones mapped), and may not clone mounts.
        let by_parent = is_bind && in_userns && nix::unistd::geteuid().is_root();
        let source_fd = match (&source, by_parent) {
            (Some(src), true) => Some(
                crate::sys::open_tree_clone_at(
                    libc::AT_FDCWD,
                    src,
                    options.flags.contains(nix::mount::MsFlags::MS_REC),
                )
                .sys_at("open_tree", src)
                .with_field(|| field("source"))?,
            ),
            _ => None,
        };
        out.push(MountPlan { index: i, destination, typ, source, source_fd, options, idmap_maps, idmap_userns: None });
    }
    Ok(out)
}

pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The process's identity, capabilities and program, compiled for the
/// handoff. `grantable` is what the process can hold (caps::masks); every
/// capability it loses is logged as a warning that names it.
pub fn handoff(
    p: &Process,
    grantable: u64,
    seccomp: bool,
    personality: Option<libc::c_ulong>,
    preserve_fds: u32,
) -> Result<Handoff> {
    let (caps, warnings) = crate::security::caps::masks(p.capabilities().as_ref(), grantable);
    for w in warnings {
        crate::logging::warn(&w);
    }
    let (args, env, path_var) = program(p)?;
    let user = p.user();
    Ok(Handoff {
        user: UserIds {
            uid: user.uid(),
            gid: user.gid(),
            additional_gids: user.additional_gids().clone().unwrap_or_default(),
            groups_denied: false,
        },
        umask: user.umask().unwrap_or(0o022),
        caps,
        no_new_privs: p.no_new_privileges().unwrap_or(false),
        seccomp,
        cwd: p.cwd().clone(),
        args,
        env,
        path_var,
        personality,
        final_cpus: process_attrs::cpu_list(
            p.exec_cpu_affinity().as_ref().and_then(|a| a.cpu_affinity_final().as_ref()),
            "process.execCPUAffinity.final",
        )?,
        preserve_fds,
        self_exe: crate::process::protect::self_identity(),
    })
}

/// args, env and the PATH to look the program up in.
fn program(p: &Process) -> Result<(Vec<CString>, Vec<CString>, String)> {
    let args = p.args().as_deref().unwrap_or_default();
    let args = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            CString::new(a.as_str())
                .map_err(|_| crate::Error::field(format!("process.args[{i}]"), "contains a NUL byte"))
        })
        .collect::<Result<Vec<_>>>()?;
    let env_list = p.env().clone().unwrap_or_default();
    let path_var = env_list.iter().rev().find_map(|e| e.strip_prefix("PATH=")).unwrap_or(DEFAULT_PATH).to_string();
    let env = env_list
        .iter()
        .enumerate()
        .map(|(i, e)| {
            CString::new(e.as_str())
                .map_err(|_| crate::Error::field(format!("process.env[{i}]"), format!("{e:?} contains a NUL byte")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((args, env, path_var))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_from_the_root() {
        assert_eq!(cgroup_path(None, "c1").unwrap(), PathBuf::from("berth-c1"));
        assert_eq!(cgroup_path(Some(Path::new("a/b")), "c1").unwrap(), PathBuf::from("a/b"));
        assert_eq!(cgroup_path(Some(Path::new("/a/b")), "c1").unwrap(), PathBuf::from("a/b"));
        assert!(cgroup_path(Some(Path::new("/")), "c1").is_err());
        assert!(cgroup_path(Some(Path::new("/../x")), "c1").is_err());
    }

    #[test]
    fn destinations_stay_inside() {
        assert_eq!(relative_destination(Path::new("/proc")).unwrap(), PathBuf::from("proc"));
        assert_eq!(relative_destination(Path::new("/a/./b/../c")).unwrap(), PathBuf::from("a/c"));
        assert_eq!(relative_destination(Path::new("/")).unwrap(), PathBuf::from(""));
        assert!(relative_destination(Path::new("/../etc")).is_err());
        assert!(relative_destination(Path::new("/a/../../etc")).is_err());
    }
}
