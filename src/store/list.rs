//! Expanding a URL into the objects to read, pruned by the time window before any download.

use futures_util::future::BoxFuture;
use object_store::path::Path;

use super::config::{self, Target};
use super::StoreOptions;
use crate::ingest::window::Window;

/// Deepest folder nesting walked under a prefix.
const MAX_DEPTH: usize = 32;

/// One object to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its URL (the name in the accounting).
    pub url: String,
    /// Its size in bytes, when the listing said.
    pub size: Option<u64>,
}

/// What a URL expanded into.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// The objects to read, in key order.
    pub objects: Vec<Listed>,
    /// Objects left unread because their names lie outside the window.
    pub pruned_objects: u64,
    /// Day folders left unlisted because they lie outside the window.
    pub pruned_folders: u64,
    /// Listing requests made.
    pub list_requests: u64,
}

/// Expands `url`: a prefix (ending in `/`, or under which objects exist) is walked folder by
/// folder, skipping hidden names (`.`), day folders and Logpush names outside `window`; any
/// other URL is one object. Plain `https://` URLs are always one object.
pub fn list(url: &str, window: &Window, opts: &StoreOptions) -> Result<Listing, String> {
    let target = config::target(url, opts)?;
    let mut listing = Listing::default();
    if !target.listable {
        if url.ends_with('/') {
            return Err("an https:// prefix cannot be listed: name its objects, or use s3://, gs:// or az://".into());
        }
        listing.objects.push(Listed { url: url.to_string(), size: None });
        return Ok(listing);
    }
    let shared = super::shared().map_err(|e| e.to_string())?;
    let prefix = (!target.path.as_ref().is_empty()).then(|| target.path.clone());
    shared.rt.block_on(walk(&target, prefix.clone(), window, 0, &mut listing))?;
    if listing.objects.is_empty() && listing.pruned_objects == 0 && listing.pruned_folders == 0 && !url.ends_with('/') {
        // Nothing under it as a folder: the URL names one object.
        if let Some(p) = prefix {
            listing.objects.push(Listed { url: target.url_of(&p), size: None });
        }
    }
    Ok(listing)
}

fn walk<'a>(
    target: &'a Target,
    prefix: Option<Path>,
    window: &'a Window,
    depth: usize,
    out: &'a mut Listing,
) -> BoxFuture<'a, Result<(), String>> {
    Box::pin(async move {
        out.list_requests += 1;
        let res = target.store.list_with_delimiter(prefix.as_ref()).await.map_err(|e| {
            let at = prefix.as_ref().map_or_else(|| target.base.to_string(), |p| target.url_of(p));
            format!("cannot list {at}: {}", super::describe(&e))
        })?;
        let mut objects = res.objects;
        objects.sort_by(|a, b| a.location.cmp(&b.location));
        let mut folders = res.common_prefixes;
        folders.sort();
        // Objects and folders in one name order, as a directory walk sorts them.
        let mut items: Vec<(Path, Option<u64>)> = objects.into_iter().map(|o| (o.location, Some(o.size))).collect();
        items.extend(folders.into_iter().map(|f| (f, None)));
        items.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, size) in items {
            let name = path.filename().unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            match size {
                Some(size) if window.keeps_name(name) => {
                    out.objects.push(Listed { url: target.url_of(&path), size: Some(size) });
                }
                Some(_) => out.pruned_objects += 1,
                None if !window.keeps_folder(name) => out.pruned_folders += 1,
                None if depth >= MAX_DEPTH => {
                    return Err(format!("{}: folders nested more than {MAX_DEPTH} deep", target.url_of(&path)))
                }
                None => walk(target, Some(path), window, depth + 1, out).await?,
            }
        }
        Ok(())
    })
}
