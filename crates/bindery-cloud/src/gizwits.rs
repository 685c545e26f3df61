//! Gizwits-compatible QR tasks: a product key and a MAC range (or a list of MACs, or of IMEIs
//! for GPRS devices) become devices (SN = DeviceKey = the MAC or IMEI, activated at once) and
//! a zip of `<product_key>/<key>.png` labels served under `/static/zipfiles/<n>.zip`. The task
//! list answers in the shape of Gizwits' own (`meta.skip/limit/total/next/previous`, times as
//! Unix seconds in strings), so scripts written against it keep working.
//!
//! As with SN batches, the zip is built when the task is made and stored with it, sealed: it
//! is the only place the labels' bind codes exist. A task holds at most 10,000 devices.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use bindery_core::api::{CreateQrTask, ErrorBody, ListMeta, QrTask, QrTaskList, MAX_BATCH_COUNT};
use bindery_core::{BindCode, BindPolicy, ErrorCode, QrTaskDevices, Sn};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit;
use crate::db::{now_ms, retire_after_archive, values_rows};
use crate::developer::batches::archive_download;
use crate::developer::products::owned_product;
use crate::downloads::{signed_link, Download};
use crate::error::ApiError;
use crate::extract::{ApiJson, Maker};
use crate::labels::{build_archive, LabelSpec};
use crate::openapi::FileBytes;
use crate::state::AppState;
use sqlx::Connection;

/// `/qrcode/v1/{pk}/tasks` and `/static/zipfiles/{file}`, each with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(download))
}

/// A QR task: the MACs of a range, or the MACs or IMEIs of a list, become activated devices
/// (SN = DeviceKey) and a zip of their labels.
#[utoipa::path(post, path = "/qrcode/v1/{pk}/tasks", tag = "gizwits", security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    params(("pk" = String, Path, description = "The product key.")),
    request_body = CreateQrTask,
    responses(
        (status = 201, description = "Made; the task list names its zip.", body = Object, example = json!({})),
        (status = 400, description = "`invalid_request`: not exactly one of a range, `macs` or `imeis`; a bad, misplaced or repeated entry (named by its place, e.g. `macs[3]`); a range backwards; over 10,000 devices; or devices that already exist.", body = ErrorBody),
        (status = 403, description = "`forbidden`: another organisation's product.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such product.", body = ErrorBody),
    ))]
async fn create(
    State(state): State<AppState>,
    key: Maker,
    Path(pk): Path<String>,
    ApiJson(request): ApiJson<CreateQrTask>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let product = owned_product(&state, &key, &pk).await?;
    let chosen = QrTaskDevices::from_request(
        request.start_mac.as_deref(),
        request.end_mac.as_deref(),
        &request.macs,
        &request.imeis,
        MAX_BATCH_COUNT,
    )
    .map_err(|e| ApiError::invalid(e.to_string()))?;
    let first = chosen.keys()[0].as_str().to_owned();
    let last = chosen.keys()[chosen.len() - 1].as_str().to_owned();

    // The archive is rendered, zipped and sealed here: a place for it first.
    let _place = state.archives.enter().await?;
    let secret = state.secret.clone();
    let pk_typed = product.product_key.clone();
    let policy = product.bind_policy;
    let form = product.label_form;
    crate::developer::products::check_form(&state, form, policy)?;
    let public_url = state.public_url.clone();
    let (devices, archive) = tokio::task::spawn_blocking(move || {
        let mut devices = Vec::with_capacity(chosen.len());
        let mut labels = Vec::with_capacity(chosen.len());
        for key in chosen.keys() {
            let sn = Sn::parse(key.as_str())
                .map_err(|e| ApiError::internal_in("MAC or IMEI as SN", e))?;
            // As Gizwits' tasks: a bind code only where the policy asks for one.
            let code = match policy {
                BindPolicy::BindCodeRequired => {
                    Some(BindCode::generate().map_err(|e| ApiError::internal_in("bind code", e))?)
                }
                BindPolicy::SnOnly => None,
            };
            let hash = code
                .as_ref()
                .map(|code| code.hash(&sn, &secret).as_bytes().to_vec());
            let url = public_url.as_ref().map(|u| u.as_str());
            let content = form.text(url, &pk_typed, &sn, code.as_ref());
            labels.push(LabelSpec {
                path: format!("{pk_typed}/{sn}.png"),
                content,
                caption: sn.to_string(),
            });
            devices.push((sn.to_string(), hash));
        }
        let archive = build_archive(&[], &labels, &|_| {})
            .map_err(|e| ApiError::internal_in("label archive", e))?;
        Ok::<_, ApiError>((devices, archive))
    })
    .await??;

    let now = now_ms();
    let mut conn = state.writer.acquire().await?;
    let mut tx = conn.begin().await?;
    sqlx::query("UPDATE products SET import_seq = import_seq + 1 WHERE product_key = $1")
        .bind(product.product_key.as_str())
        .execute(&mut *tx)
        .await?;
    for chunk in devices.chunks(500) {
        let values = values_rows(state.backend, chunk.len(), 6);
        let sql = format!(
            "INSERT INTO devices (sn, product_key, device_key, bind_code_hash, imported_at, created_at) VALUES {values}"
        );
        let mut query = sqlx::query(&sql);
        for (sn, hash) in chunk {
            query = query
                .bind(sn.as_str())
                .bind(product.product_key.as_str())
                .bind(sn.as_str())
                .bind(hash.clone())
                .bind(now)
                .bind(now);
        }
        if let Err(e) = query.execute(&mut *tx).await {
            if crate::db::is_unique_violation(&e) {
                return Err(ApiError::invalid(
                    "some of these MACs or IMEIs are already devices of this product; nothing was created",
                ));
            }
            return Err(e.into());
        }
    }
    sqlx::query(
        "INSERT INTO qr_tasks (product_key, start_mac, end_mac, archive, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(product.product_key.as_str())
    // The first and last device of the task (of its list, for a list; IMEIs for GPRS).
    .bind(&first)
    .bind(&last)
    .bind(state.archive_key.seal(&archive))
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    retire_after_archive(&mut conn, state.backend);
    drop(conn);
    let detail = format!("{} devices, {first} to {last}", devices.len());
    let pk = product.product_key.as_str();
    audit::record(&state, &key.org_id, &key.actor, "task.create", pk, &detail).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({}))))
}

/// `?skip=&limit=` of the Gizwits list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Paging {
    /// The most tasks on the page (1 to 100; 10 when absent, as on Gizwits).
    limit: Option<u64>,
    /// How many tasks to skip, newest first (`offset` is taken too: Bindery's earlier name).
    #[serde(alias = "offset")]
    skip: Option<u64>,
}

/// Gizwits' default page size.
const DEFAULT_TASKS_PER_PAGE: u64 = 10;

/// The product's QR tasks, newest first, in the shape of Gizwits' task list.
#[utoipa::path(get, path = "/qrcode/v1/{pk}/tasks", tag = "gizwits", security(("developerKey" = []), ("bearer" = [], "organisation" = [])),
    params(("pk" = String, Path, description = "The product key."), Paging),
    responses(
        (status = 200, description = "A page of tasks.", body = QrTaskList, example = json!({
            "meta": {"next": null, "previous": null, "skip": 0, "limit": 10, "total": 1},
            "objects": [{"created_at": "1495077738", "updated_at": "1495077738", "file": "/static/zipfiles/1474.zip"}]
        })),
        (status = 403, description = "`forbidden`: another organisation's product.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such product.", body = ErrorBody),
    ))]
async fn list(
    State(state): State<AppState>,
    key: Maker,
    Path(pk): Path<String>,
    Query(paging): Query<Paging>,
) -> Result<Json<QrTaskList>, ApiError> {
    let product = owned_product(&state, &key, &pk).await?;
    let limit = paging.limit.unwrap_or(DEFAULT_TASKS_PER_PAGE).clamp(1, 100);
    let skip = paging.skip.unwrap_or(0);
    // The document says int64 (what the database can take); beyond it a value is refused
    // rather than quietly clamped.
    let skip_sql = i64::try_from(skip)
        .map_err(|_| ApiError::invalid(format!("skip must be at most {}", i64::MAX)))?;
    if paging.limit.is_some_and(|l| i64::try_from(l).is_err()) {
        return Err(ApiError::invalid(format!(
            "limit must be at most {}",
            i64::MAX
        )));
    }
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM qr_tasks WHERE product_key = $1")
        .bind(product.product_key.as_str())
        .fetch_one(&state.db)
        .await?;
    let total = total as u64;
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT n, created_at, updated_at FROM qr_tasks WHERE product_key = $1 ORDER BY n DESC LIMIT $2 OFFSET $3",
    )
    .bind(product.product_key.as_str())
    .bind(limit as i64)
    .bind(skip_sql)
    .fetch_all(&state.db)
    .await?;
    let page = |skip: u64| {
        format!(
            "/qrcode/v1/{}/tasks?skip={skip}&limit={limit}",
            product.product_key
        )
    };
    let seconds = |ms: i64| ms.div_euclid(1000).to_string();
    Ok(Json(QrTaskList {
        meta: ListMeta {
            next: (skip.saturating_add(limit) < total).then(|| page(skip + limit)),
            previous: (skip > 0).then(|| page(skip.saturating_sub(limit))),
            skip,
            limit,
            total,
        },
        objects: rows
            .into_iter()
            .map(|(n, created_at, updated_at)| QrTask {
                created_at: seconds(created_at),
                updated_at: seconds(updated_at),
                file: signed_link(&state, &format!("/static/zipfiles/{n}.zip")).0,
            })
            .collect(),
    }))
}

/// A QR task's zip of `<pk>/<mac>.png` labels.
#[utoipa::path(get, path = "/static/zipfiles/{file}", tag = "gizwits", security(("developerKey" = []), ("bearer" = [], "organisation" = []), ()),
    params(("file" = String, Path, description = "`<n>.zip`, as the task list names it."),
        ("expires" = Option<i64>, Query, description = "With `sig`: the signed link the task list gives, no key needed."),
        ("sig" = Option<String>, Query, description = "The link's signature.")),
    responses(
        (status = 200, description = "The zip.", body = inline(FileBytes), content_type = "application/zip"),
        (status = 401, description = "`unauthorized`: no key, or an expired or altered signed link.", body = ErrorBody),
        (status = 403, description = "`forbidden`: another organisation's task.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such task file.", body = ErrorBody),
    ))]
async fn download(
    State(state): State<AppState>,
    access: Download,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::with_message(ErrorCode::NotFound, "no such task file");
    let n: i64 = file
        .strip_suffix(".zip")
        .and_then(|n| n.parse().ok())
        .ok_or_else(not_found)?;
    let pk: Option<String> = sqlx::query_scalar("SELECT product_key FROM qr_tasks WHERE n = $1")
        .bind(n)
        .fetch_optional(&state.db)
        .await?;
    let pk = pk.ok_or_else(not_found)?;
    if let Download::Maker(maker) = &access {
        owned_product(&state, maker, &pk).await?;
    }
    archive_download(
        &state,
        "SELECT archive FROM qr_tasks WHERE n = $1",
        n,
        &file,
    )
    .await
}
