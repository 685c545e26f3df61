//! SN batches: up to 10,000 fresh SNs of a product, each with its own bind code, and the zip
//! of label images to print.
//!
//! Decision: the cloud stores only the keyed hash of each bind code, so the codes exist in
//! clear only while the batch is being made. The archive (`sn_list.csv` + `qr/<SN>.png`) is
//! therefore built at creation and stored in the `batches` row: it can be downloaded again,
//! from any process on the same database, and the codes are never kept anywhere else.
//! SNs are 16 Crockford base32 characters (80 random bits), so one cannot be guessed from
//! another.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bindery_core::api::{Batch, BatchList, CreateBatch, ErrorBody, MAX_BATCH_COUNT};
use bindery_core::{BindCode, ErrorCode, LabelForm, ProductKey, Sn};

use sqlx::Connection;

use super::products::owned_product;
use crate::audit;
use crate::db::{from_ms, now_ms, random_hex, retire_after_archive, values_rows};
use crate::downloads::{signed_link, Download};
use crate::error::ApiError;
use crate::extract::{ApiJson, Maker};
use crate::labels::{build_archive, LabelSpec};
use crate::openapi::FileBytes;
use crate::state::AppState;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh random SN: 16 Crockford base32 characters.
pub fn random_sn() -> Sn {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    let text: String = bytes
        .iter()
        .map(|b| CROCKFORD[(b & 31) as usize] as char)
        .collect();
    Sn::parse(&text).expect("16 base32 characters are a valid SN")
}

/// Makes a batch of `count` SNs of `product_key`: renders the archive, then stores the batch,
/// its archive and its devices (not yet activated) in one transaction. `progress` gets the
/// number of labels rendered so far.
pub async fn create_batch(
    state: &AppState,
    product_key: &ProductKey,
    count: u32,
    progress: impl Fn(usize) + Send + Sync + 'static,
) -> Result<(Batch, Vec<u8>), ApiError> {
    if !(1..=MAX_BATCH_COUNT).contains(&count) {
        return Err(ApiError::invalid(format!(
            "count must be between 1 and {MAX_BATCH_COUNT}, not {count}"
        )));
    }
    let product = super::products::product(state, product_key.as_str()).await?;
    // The form was checked when chosen, but this process may run without the public address
    // a URL form needs (`sn generate` without --public-url): refuse rather than print
    // another form.
    super::products::check_form(state, product.label_form, product.bind_policy)?;
    // The archive is rendered, zipped and sealed here: a place for it first.
    let _place = state.archives.enter().await?;
    let secret = state.secret.clone();
    let pk = product_key.clone();
    let form = product.label_form;
    let public_url = state.public_url.clone();
    let (devices, archive) = tokio::task::spawn_blocking(move || {
        let mut devices = Vec::with_capacity(count as usize);
        let mut csv = String::from("sn,bind_code,qr_content\n");
        let mut labels = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let sn = random_sn();
            // Quectel v1 labels have no room for a bind code (their products are sn_only):
            // none is made, so the list shows none a maker might think is printed.
            let code = match form {
                LabelForm::QuectelV1 => None,
                _ => Some(BindCode::generate().map_err(|e| ApiError::internal_in("bind code", e))?),
            };
            let url = public_url.as_ref().map(|u| u.as_str());
            let content = form.text(url, &pk, &sn, code.as_ref());
            let shown = code.as_ref().map(ToString::to_string).unwrap_or_default();
            csv.push_str(&format!("{sn},{shown},{content}\n"));
            labels.push(LabelSpec {
                path: format!("qr/{sn}.png"),
                content,
                caption: sn.to_string(),
            });
            let hash = code.map(|code| code.hash(&sn, &secret).as_bytes().to_vec());
            devices.push((sn.to_string(), hash));
        }
        let archive = build_archive(&[("sn_list.csv", csv.into_bytes())], &labels, &progress)
            .map_err(|e| ApiError::internal_in("label archive", e))?;
        Ok::<_, ApiError>((devices, archive))
    })
    .await??;

    let batch_id = format!("b_{}", random_hex(12));
    let created_at = now_ms();
    let mut conn = state.writer.acquire().await?;
    let mut tx = conn.begin().await?;
    sqlx::query(
        "INSERT INTO batches (batch_id, product_key, count, archive, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&batch_id)
    .bind(product_key.as_str())
    .bind(i64::from(count))
    .bind(state.archive_key.seal(&archive))
    .bind(created_at)
    .execute(&mut *tx)
    .await?;
    const PER_INSERT: usize = 500;
    for chunk in devices.chunks(PER_INSERT) {
        let values = values_rows(state.backend, chunk.len(), 5);
        let sql = format!(
            "INSERT INTO devices (sn, product_key, batch_id, bind_code_hash, created_at) VALUES {values}"
        );
        let mut query = sqlx::query(&sql);
        for (sn, hash) in chunk {
            query = query
                .bind(sn.as_str())
                .bind(product_key.as_str())
                .bind(batch_id.as_str())
                .bind(hash.clone())
                .bind(created_at);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    retire_after_archive(&mut conn, state.backend);
    Ok((
        Batch {
            download_url: Some(batch_link(state, &batch_id)),
            batch_id,
            count,
            created_at: from_ms(created_at),
        },
        archive,
    ))
}

/// `POST /v1/products/{pk}/sn-batches`: a batch of fresh SNs, each with its bind code.
#[utoipa::path(post, path = "/v1/products/{pk}/sn-batches", tag = "developer", security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    params(("pk" = String, Path, description = "The product key.")),
    request_body = CreateBatch,
    responses(
        (status = 201, description = "Made; its archive is ready.", body = Batch),
        (status = 400, description = "`invalid_request`: count out of 1..=10,000.", body = ErrorBody),
        (status = 403, description = "`forbidden`: another organisation's product.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such product.", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    key: Maker,
    Path(pk): Path<String>,
    ApiJson(request): ApiJson<CreateBatch>,
) -> Result<(StatusCode, Json<Batch>), ApiError> {
    let product = owned_product(&state, &key, &pk).await?;
    let (batch, _) = create_batch(&state, &product.product_key, request.count, |_| {}).await?;
    let detail = format!("{} SNs", batch.count);
    audit::record(
        &state,
        &key.org_id,
        &key.actor,
        "batch.create",
        &batch.batch_id,
        &detail,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(batch)))
}

/// `GET /v1/products/{pk}/sn-batches`: the product's batches.
#[utoipa::path(get, path = "/v1/products/{pk}/sn-batches", tag = "developer", security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    params(("pk" = String, Path, description = "The product key.")),
    responses(
        (status = 200, description = "The product's batches, oldest first.", body = BatchList),
        (status = 403, description = "`forbidden`: another organisation's product.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such product.", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    key: Maker,
    Path(pk): Path<String>,
) -> Result<Json<BatchList>, ApiError> {
    let product = owned_product(&state, &key, &pk).await?;
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT batch_id, count, created_at FROM batches WHERE product_key = $1 ORDER BY created_at, batch_id",
    )
    .bind(product.product_key.as_str())
    .fetch_all(&state.db)
    .await?;
    let batches = rows
        .into_iter()
        .map(|(batch_id, count, created_at)| Batch {
            download_url: Some(batch_link(&state, &batch_id)),
            batch_id,
            count: count as u32,
            created_at: from_ms(created_at),
        })
        .collect();
    Ok(Json(BatchList { batches }))
}

/// The product of the batch `batch_id`, or `not_found`.
async fn batch_product(state: &AppState, batch_id: &str) -> Result<String, ApiError> {
    let pk: Option<String> =
        sqlx::query_scalar("SELECT product_key FROM batches WHERE batch_id = $1")
            .bind(batch_id)
            .fetch_optional(&state.db)
            .await?;
    pk.ok_or_else(|| ApiError::with_message(ErrorCode::NotFound, "no such batch"))
}

/// A signed link to a batch's package.
fn batch_link(state: &AppState, batch_id: &str) -> String {
    signed_link(state, &format!("/v1/sn-batches/{batch_id}/archive")).0
}

/// `GET /v1/sn-batches/{batch_id}/archive`: the zip made with the batch; with a key, or by the
/// batch's signed `download_url` in a plain browser tab.
#[utoipa::path(get, path = "/v1/sn-batches/{batch_id}/archive", tag = "developer", security(("developerKey" = []), ("bearer" = [], "organisation" = []), ()),
    params(("batch_id" = String, Path, description = "The batch's id."),
        ("expires" = Option<i64>, Query, description = "With `sig`: a signed link (the batch's `download_url`), no key needed."),
        ("sig" = Option<String>, Query, description = "The link's signature.")),
    responses(
        (status = 200, description = "The zip: `sn_list.csv` (sn, bind_code, qr_content) and `qr/<SN>.png`.",
            body = inline(FileBytes), content_type = "application/zip"),
        (status = 401, description = "`unauthorized`: no key, or an expired or altered signed link.", body = ErrorBody),
        (status = 403, description = "`forbidden`: another organisation's batch.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such batch.", body = ErrorBody),
    ))]
pub async fn archive(
    State(state): State<AppState>,
    access: Download,
    Path(batch_id): Path<String>,
) -> Result<Response, ApiError> {
    let pk = batch_product(&state, &batch_id).await?;
    if let Download::Maker(maker) = &access {
        owned_product(&state, maker, &pk).await?;
    }
    let sql = "SELECT archive FROM batches WHERE batch_id = $1";
    archive_download(&state, sql, batch_id.clone(), &format!("{batch_id}.zip")).await
}

/// The sealed archive that `sql` selects by `key` (a batch's, a QR task's), opened and sent
/// as the zip `filename`. It takes one of the cloud's few places for archives while copies
/// of it are in memory, and retires a PostgreSQL connection that carried it (its buffer
/// would keep the size of the archive for good).
pub(crate) async fn archive_download<K>(
    state: &AppState,
    sql: &str,
    key: K,
    filename: &str,
) -> Result<Response, ApiError>
where
    K: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
{
    let archive = open_archive(state, sql, key).await?;
    Ok(zip_response(archive, filename))
}

/// The archive `sql` selects by `key`, opened (see [`archive_download`]).
async fn open_archive<K>(state: &AppState, sql: &str, key: K) -> Result<Vec<u8>, ApiError>
where
    K: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
{
    let place = state.archives.enter().await?;
    let mut conn = state.db.acquire().await?;
    let stored: Vec<u8> = sqlx::query_scalar(sql)
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    retire_after_archive(&mut conn, state.backend);
    drop(conn);
    let archive = state
        .archive_key
        .open(stored)
        .map_err(|e| ApiError::internal_in("opening a label archive", e))?;
    // The copies are gone; what is left is the one being sent.
    drop(place);
    Ok(archive)
}

/// How many labels a preview shows.
const PREVIEW_LABELS: usize = 4;

/// `GET /v1/sn-batches/{batch_id}/preview`: the first few label images of a batch, as they
/// will print, for the console to show before anyone downloads the package.
#[utoipa::path(get, path = "/v1/sn-batches/{batch_id}/preview", tag = "developer",
    security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    params(("batch_id" = String, Path, description = "The batch's id.")),
    responses(
        (status = 200, description = "Up to four labels, PNG in base64.", body = LabelPreview),
        (status = 403, description = "`forbidden`: another organisation's batch.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such batch.", body = ErrorBody),
    ))]
pub async fn preview(
    State(state): State<AppState>,
    maker: Maker,
    Path(batch_id): Path<String>,
) -> Result<Json<LabelPreview>, ApiError> {
    let pk = batch_product(&state, &batch_id).await?;
    owned_product(&state, &maker, &pk).await?;
    let archive = open_archive(
        &state,
        "SELECT archive FROM batches WHERE batch_id = $1",
        batch_id,
    )
    .await?;
    let labels = tokio::task::spawn_blocking(move || first_labels(&archive, PREVIEW_LABELS))
        .await?
        .map_err(|e| ApiError::internal_in("reading a label archive", e))?;
    Ok(Json(LabelPreview { labels }))
}

/// The first `n` `qr/<SN>.png` of an archive.
fn first_labels(archive: &[u8], n: usize) -> Result<Vec<PreviewLabel>, zip::result::ZipError> {
    use base64::Engine;
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive))?;
    let mut names: Vec<String> = zip
        .file_names()
        .filter(|name| name.starts_with("qr/") && name.ends_with(".png"))
        .map(str::to_owned)
        .collect();
    names.sort();
    let mut labels = Vec::new();
    for name in names.into_iter().take(n) {
        let mut png = Vec::new();
        zip.by_name(&name)?.read_to_end(&mut png)?;
        labels.push(PreviewLabel {
            sn: name["qr/".len()..name.len() - ".png".len()].to_owned(),
            png_base64: base64::engine::general_purpose::STANDARD.encode(png),
        });
    }
    Ok(labels)
}

/// `GET /v1/sn-batches/{batch_id}/preview` → 200.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LabelPreview {
    /// The first labels of the batch, in SN order.
    pub labels: Vec<PreviewLabel>,
}

/// One label of a preview.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PreviewLabel {
    /// The label's SN.
    pub sn: String,
    /// The label image as printed, a PNG in base64.
    pub png_base64: String,
}

/// A zip download.
pub fn zip_response(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
