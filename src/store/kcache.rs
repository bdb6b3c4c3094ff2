//! The Linux fast path: the vault key kept for a while in the kernel's user
//! keyring (readable by this user's processes only, gone at its time-out or
//! reboot), so a warm call makes no D-Bus call. Every failure here is quiet:
//! the caller falls back to the keyring proper.

/// The kernel key's description for the vault key `entry`.
pub fn description(entry: &str) -> String {
    format!("rolecall:{entry}")
}

/// The cached key text for `entry`, if the kernel has it.
#[cfg(target_os = "linux")]
pub fn read(entry: &str) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    let ring = KeyRing::from_special_id(KeyRingIdentifier::User, false).ok()?;
    let key = ring.search(&description(entry)).ok()?;
    key.read_to_vec().ok().map(zeroize::Zeroizing::new)
}

/// Keeps `text` for `entry` for `ttl_secs` seconds (replacing what was there).
/// The key is made in the session keyring (which this process possesses, so it
/// may set the key's permissions and time-out), then moved to the user keyring,
/// where this user's processes in any session find it.
#[cfg(target_os = "linux")]
pub fn write(entry: &str, text: &[u8], ttl_secs: u64) -> Result<(), String> {
    use linux_keyutils::{KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};
    let session = KeyRing::from_special_id(KeyRingIdentifier::Session, true).map_err(|e| e.to_string())?;
    let user = KeyRing::from_special_id(KeyRingIdentifier::User, true).map_err(|e| e.to_string())?;
    let key = session.add_key(&description(entry), text).map_err(|e| e.to_string())?;
    let placed = (|| {
        key.set_timeout(usize::try_from(ttl_secs).unwrap_or(usize::MAX))?;
        // This user's processes may read it whether or not they possess the user keyring; nobody else.
        key.set_perms(KeyPermissionsBuilder::builder().posessor(Permission::ALL).user(Permission::ALL).build())?;
        // Replaces an older copy of the same description there.
        user.link_key(key)
    })();
    let _ = session.unlink_key(key);
    placed.map_err(|e| {
        let _ = key.invalidate();
        e.to_string()
    })
}

/// Removes the cached key for `entry`; true when one was there.
#[cfg(target_os = "linux")]
pub fn remove(entry: &str) -> bool {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    let Ok(ring) = KeyRing::from_special_id(KeyRingIdentifier::User, false) else { return false };
    match ring.search(&description(entry)) {
        Ok(key) => key.invalidate().is_ok(),
        Err(_) => false,
    }
}

/// No kernel keyring here.
#[cfg(not(target_os = "linux"))]
pub fn read(_entry: &str) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    None
}

/// No kernel keyring here.
#[cfg(not(target_os = "linux"))]
pub fn write(_entry: &str, _text: &[u8], _ttl_secs: u64) -> Result<(), String> {
    Err("no kernel keyring on this platform".into())
}

/// No kernel keyring here.
#[cfg(not(target_os = "linux"))]
pub fn remove(_entry: &str) -> bool {
    false
}
