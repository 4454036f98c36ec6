//! From a URL to a client and a path inside it, with credentials from each provider's standard
//! places:
//!
//! - `s3://bucket/prefix`: the `AWS_*` environment (keys, session token, region, endpoint, web
//!   identity, container and instance credentials), then the shared files `~/.aws/credentials`
//!   and `~/.aws/config` (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`) for the profile
//!   `AWS_PROFILE` (else `default`).
//! - `r2://bucket/prefix`: S3 at `https://<account>.r2.cloudflarestorage.com`, the account id
//!   from the URL (`r2://<account>@bucket/`), `R2_ACCOUNT_ID` or `CLOUDFLARE_ACCOUNT_ID`; the
//!   S3 credentials as for `s3://`; region `auto`.
//! - `gs://bucket/prefix`: `GOOGLE_APPLICATION_CREDENTIALS` / `GOOGLE_SERVICE_ACCOUNT` files,
//!   the gcloud application default credentials, else the instance's metadata server.
//! - `az://container/prefix`, `abfs[s]://container@account.dfs.core.windows.net/prefix`: the
//!   `AZURE_*` environment (account name and key, SAS, service principal, managed identity,
//!   `AZURE_USE_AZURE_CLI`).
//! - `https://host/path`: one object fetched with a plain GET (cloud hosts such as
//!   `*.blob.core.windows.net` and `*.amazonaws.com` go to their provider's client).

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::http::HttpBuilder;
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStore, ObjectStoreScheme, RetryConfig};
use url::Url;

use super::StoreOptions;

/// A client, a path in it, and how to name its objects.
pub(crate) struct Target {
    /// The client.
    pub store: Arc<dyn ObjectStore>,
    /// The path the URL names (a prefix or an object).
    pub path: Path,
    /// The URL of the store's root, to which object keys are appended for display.
    pub base: Url,
    /// Whether the store can be listed (plain HTTP cannot).
    pub listable: bool,
}

impl Target {
    /// The URL of the object at `key`.
    pub fn url_of(&self, key: &Path) -> String {
        let mut u = self.base.clone();
        u.set_path(&format!("{}{}", self.base.path(), key.as_ref()));
        u.to_string()
    }
}

/// Resolves `url` to its client (shared by every object of the same bucket and settings).
pub(crate) fn target(url: &str, opts: &StoreOptions) -> Result<Target, String> {
    let parsed = Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    let scheme = parsed.scheme().to_ascii_lowercase();
    let (kind, path, base) = if scheme == "r2" {
        let path = Path::from_url_path(parsed.path()).map_err(|e| e.to_string())?;
        (None, path, root(&parsed, "/"))
    } else {
        let (kind, path) = ObjectStoreScheme::parse(&parsed).map_err(|e| e.to_string())?;
        // An https URL of a cloud host may carry the bucket as its first segment.
        let whole = parsed.path().trim_matches('/');
        let prefix = whole.strip_suffix(path.as_ref()).unwrap_or("").trim_end_matches('/');
        let base_path = if prefix.is_empty() { "/".to_string() } else { format!("/{prefix}/") };
        (Some(kind), path, root(&parsed, &base_path))
    };
    let key = format!("{}|{opts:?}", base.as_str());
    let shared = super::shared().map_err(|e| e.to_string())?;
    let listable = !matches!(kind, Some(ObjectStoreScheme::Http));
    let store = shared.client(&key, || build(kind, &parsed, &base, opts))?;
    Ok(Target { store, path, base, listable })
}

/// The URL with only `path` as its path (no query or fragment).
fn root(u: &Url, path: &str) -> Url {
    let mut r = u.clone();
    r.set_query(None);
    r.set_fragment(None);
    r.set_path(path);
    r
}

fn client_options(opts: &StoreOptions) -> ClientOptions {
    let plain = opts.endpoint.as_deref().is_some_and(|e| e.starts_with("http://"));
    ClientOptions::new()
        .with_allow_http(plain)
        .with_connect_timeout(Duration::from_secs(10))
        .with_timeout(Duration::from_mins(2))
}

fn retry(opts: &StoreOptions) -> RetryConfig {
    RetryConfig { max_retries: opts.max_retries(), retry_timeout: Duration::from_mins(2), ..RetryConfig::default() }
}

fn build(
    kind: Option<ObjectStoreScheme>,
    url: &Url,
    base: &Url,
    opts: &StoreOptions,
) -> Result<Arc<dyn ObjectStore>, String> {
    let err = |e: object_store::Error| super::describe(&e);
    Ok(match kind {
        None => Arc::new(
            r2(url, opts)?.with_client_options(client_options(opts)).with_retry(retry(opts)).build().map_err(err)?,
        ),
        Some(ObjectStoreScheme::AmazonS3) => {
            let mut b =
                with_options(aws_from_env_and_profile().with_url(url.as_str()), opts, |b, k, v| b.with_config(k, v))?;
            if let Some(e) = &opts.endpoint {
                b = b.with_endpoint(e);
            }
            if let Some(r) = &opts.region {
                b = b.with_region(r);
            }
            Arc::new(b.with_client_options(client_options(opts)).with_retry(retry(opts)).build().map_err(err)?)
        }
        Some(ObjectStoreScheme::GoogleCloudStorage) => {
            let b = GoogleCloudStorageBuilder::from_env().with_url(url.as_str());
            let mut b = with_options(b, opts, |b: GoogleCloudStorageBuilder, k, v| b.with_config(k, v))?;
            if let Some(e) = &opts.endpoint {
                b = b.with_config(object_store::gcp::GoogleConfigKey::BaseUrl, e);
            }
            Arc::new(b.with_client_options(client_options(opts)).with_retry(retry(opts)).build().map_err(err)?)
        }
        Some(ObjectStoreScheme::MicrosoftAzure) => {
            let b = MicrosoftAzureBuilder::from_env().with_url(url.as_str());
            let mut b = with_options(b, opts, |b: MicrosoftAzureBuilder, k, v| b.with_config(k, v))?;
            if let Some(e) = &opts.endpoint {
                b = b.with_endpoint(e.clone());
            }
            Arc::new(b.with_client_options(client_options(opts)).with_retry(retry(opts)).build().map_err(err)?)
        }
        Some(ObjectStoreScheme::Http) => Arc::new(
            HttpBuilder::new()
                .with_url(base.as_str())
                .with_client_options(client_options(opts).with_allow_http(base.scheme() == "http"))
                .with_retry(retry(opts))
                .build()
                .map_err(err)?,
        ),
        Some(other) => return Err(format!("{other:?} URLs are not read (use a local path)")),
    })
}

/// R2: the S3 API at the account's endpoint.
fn r2(url: &Url, opts: &StoreOptions) -> Result<AmazonS3Builder, String> {
    let b = aws_from_env_and_profile().with_bucket_name(url.host_str().unwrap_or_default());
    let b = with_options(b, opts, |b: AmazonS3Builder, k, v| b.with_config(k, v))?;
    let endpoint = match (&opts.endpoint, r2_account(url)) {
        (Some(e), _) => e.clone(),
        (None, Some(account)) => format!("https://{account}.r2.cloudflarestorage.com"),
        (None, None) => {
            return Err("r2:// needs the account id: r2://<account>@bucket/, R2_ACCOUNT_ID, or --endpoint".to_string())
        }
    };
    Ok(b.with_endpoint(endpoint).with_region(opts.region.clone().unwrap_or_else(|| "auto".to_string())))
}

/// Sets the storage options on a builder; a key the store does not know is an error.
fn with_options<B, K: std::str::FromStr>(
    mut b: B,
    opts: &StoreOptions,
    set: impl Fn(B, K, &str) -> B,
) -> Result<B, String> {
    for (k, v) in &opts.options {
        match k.parse() {
            Ok(key) => b = set(b, key, v),
            Err(_) => return Err(format!("unknown storage option `{k}`")),
        }
    }
    Ok(b)
}

/// The R2 account id: the URL's user part, else the environment.
fn r2_account(url: &Url) -> Option<String> {
    Some(url.username())
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .or_else(|| std::env::var("R2_ACCOUNT_ID").ok())
        .or_else(|| std::env::var("CLOUDFLARE_ACCOUNT_ID").ok())
        .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The S3 builder from the `AWS_*` environment, completed from the shared credentials and
/// config files where the environment says nothing.
fn aws_from_env_and_profile() -> AmazonS3Builder {
    let mut b = AmazonS3Builder::from_env();
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".to_string());
    let home = env("HOME").map(std::path::PathBuf::from);
    let file = |var: &str, name: &str| {
        env(var).map(std::path::PathBuf::from).or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
    };
    let section = |path: Option<std::path::PathBuf>, names: &[String]| -> Vec<(String, String)> {
        let Some(ini) = path.and_then(|p| ini::Ini::load_from_file(p).ok()) else { return Vec::new() };
        names
            .iter()
            .find_map(|n| ini.section(Some(n.as_str())))
            .map(|s| s.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect())
            .unwrap_or_default()
    };
    if env("AWS_ACCESS_KEY_ID").is_none() {
        let creds = section(file("AWS_SHARED_CREDENTIALS_FILE", "credentials"), std::slice::from_ref(&profile));
        let get = |k: &str| creds.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        if let (Some(id), Some(secret)) = (get("aws_access_key_id"), get("aws_secret_access_key")) {
            b = b.with_access_key_id(id).with_secret_access_key(secret);
            if let Some(t) = get("aws_session_token") {
                b = b.with_token(t);
            }
        }
    }
    let names = [format!("profile {profile}"), profile.clone()];
    let config = section(file("AWS_CONFIG_FILE", "config"), &names);
    let get = |k: &str| config.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    if env("AWS_REGION").is_none() && env("AWS_DEFAULT_REGION").is_none() {
        if let Some(r) = get("region") {
            b = b.with_region(r);
        }
    }
    if env("AWS_ENDPOINT_URL").is_none() && env("AWS_ENDPOINT_URL_S3").is_none() && env("AWS_ENDPOINT").is_none() {
        if let Some(e) = get("endpoint_url") {
            b = b.with_endpoint(e);
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_named_by_url_under_their_bucket() {
        let opts = StoreOptions {
            endpoint: Some("http://127.0.0.1:1".to_string()),
            options: vec![("aws_access_key_id".into(), "k".into()), ("aws_secret_access_key".into(), "s".into())],
            ..StoreOptions::default()
        };
        let t = target("s3://logs/zone/20251118/", &opts).unwrap();
        assert_eq!(t.path.as_ref(), "zone/20251118");
        assert_eq!(t.url_of(&Path::from("zone/20251118/a_b_c.log.gz")), "s3://logs/zone/20251118/a_b_c.log.gz");
        let r2 = target("r2://0123abcd@logs/zone/", &StoreOptions { endpoint: None, ..opts.clone() }).unwrap();
        assert_eq!(r2.url_of(&Path::from("zone/x.log")), "r2://0123abcd@logs/zone/x.log");
        let h = target("https://example.com/dl/x.log.gz?sig=1", &StoreOptions::default()).unwrap();
        assert!(!h.listable);
        assert_eq!(h.path.as_ref(), "dl/x.log.gz");
        assert!(target("s3://logs/", &StoreOptions { options: vec![("nonsense".into(), "1".into())], ..opts })
            .is_err_and(|e| e.contains("nonsense")));
    }
}
