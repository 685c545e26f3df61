//! One method per API v1 call, typed with the wire types of `bindery_core::api`.

use bindery_core::api::{
    Batch, BatchList, BindRequest, CreateBatch, CreateProduct, Credentials, Device, DeviceEnvelope,
    DeviceList, ImportReport, InspectRequest, Inspection, Pair, PairRequest, Product, ProductList,
    RenameRequest, Session, SupportDevice, UpdateProduct, UserCreated,
};
use reqwest::{Method, Url};
use serde::Serialize;

use crate::{
    request::{Answer, Body},
    Client, ClientError,
};

/// How a bind call ended: a new binding, or the same device already bound to this account
/// (an idempotent retry answered 200).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindOutcome {
    /// The device was bound to this account now (201).
    Created(Device),
    /// The device was already bound to this account, under the name it has (200).
    AlreadyYours(Device),
}

impl BindOutcome {
    /// The bound device, either way.
    pub fn device(&self) -> &Device {
        match self {
            BindOutcome::Created(d) | BindOutcome::AlreadyYours(d) => d,
        }
    }
}

/// The format of a DeviceKey↔SN import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// Comma-separated text with the template's header row.
    Csv,
    /// An Excel workbook whose first sheet follows the template.
    Xlsx,
}

impl ImportFormat {
    fn content_type(self) -> &'static str {
        match self {
            ImportFormat::Csv => "text/csv",
            ImportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

fn json(value: &impl Serialize) -> Body {
    Body::Json(serde_json::to_value(value).expect("API types serialise"))
}

impl Client {
    /// The URL of an API call on this cloud: `segments` each encoded as one path segment
    /// (an SN, a did or a request id typed by a user cannot change which call is made).
    fn endpoint(&self, segments: &[&str]) -> Result<Url, ClientError> {
        self.address.endpoint(segments, &[])
    }
}

impl Client {
    /// `POST /v1/users`: creates an account.
    pub async fn signup(&self, email: &str, password: &str) -> Result<UserCreated, ClientError> {
        let body = json(&Credentials {
            email: email.to_owned(),
            password: password.to_owned(),
        });
        let url = self.endpoint(&["v1", "users"])?;
        self.send(Method::POST, url, body, false).await?.json()
    }

    /// `POST /v1/sessions`: signs in; use the returned token with [`Client::with_token`].
    pub async fn login(&self, email: &str, password: &str) -> Result<Session, ClientError> {
        let body = json(&Credentials {
            email: email.to_owned(),
            password: password.to_owned(),
        });
        let url = self.endpoint(&["v1", "sessions"])?;
        self.send(Method::POST, url, body, false).await?.json()
    }

    /// `DELETE /v1/sessions/current`: revokes the token in use.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let url = self.endpoint(&["v1", "sessions", "current"])?;
        self.send(Method::DELETE, url, Body::Empty, true)
            .await
            .map(drop)
    }

    /// `DELETE /v1/sessions`: revokes every session of the account, this one included (for
    /// a lost phone or a shared computer).
    pub async fn logout_everywhere(&self) -> Result<(), ClientError> {
        let url = self.endpoint(&["v1", "sessions"])?;
        self.send(Method::DELETE, url, Body::Empty, true)
            .await
            .map(drop)
    }

    /// `POST /v1/qr/inspect`: what a scanned label means for this account.
    pub async fn inspect(&self, qr_content: &str) -> Result<Inspection, ClientError> {
        let body = json(&InspectRequest {
            qr_content: qr_content.to_owned(),
        });
        // Inspecting changes nothing, so it is safe to repeat.
        let url = self.endpoint(&["v1", "qr", "inspect"])?;
        self.send(Method::POST, url, body, true).await?.json()
    }

    /// `POST /v1/bindings`: binds the labelled device under `name`. Retried after network
    /// failures: the cloud answers a repeat by the same account with the same device.
    pub async fn bind(&self, qr_content: &str, name: &str) -> Result<BindOutcome, ClientError> {
        let body = json(&BindRequest {
            qr_content: qr_content.to_owned(),
            name: name.to_owned(),
        });
        let url = self.endpoint(&["v1", "bindings"])?;
        let answer = self.send(Method::POST, url, body, true).await?;
        let device = answer.json::<DeviceEnvelope>()?.device;
        Ok(if answer.status.as_u16() == 201 {
            BindOutcome::Created(device)
        } else {
            BindOutcome::AlreadyYours(device)
        })
    }

    /// `GET /v1/bindings`: this account's devices.
    pub async fn devices(&self) -> Result<Vec<Device>, ClientError> {
        let url = self.endpoint(&["v1", "bindings"])?;
        let list: DeviceList = self
            .send(Method::GET, url, Body::Empty, true)
            .await?
            .json()?;
        Ok(list.devices)
    }

    /// `PATCH /v1/bindings/{did}`: renames a device.
    pub async fn rename(&self, did: &str, name: &str) -> Result<Device, ClientError> {
        let body = json(&RenameRequest {
            name: name.to_owned(),
        });
        let url = self.endpoint(&["v1", "bindings", did])?;
        let envelope: DeviceEnvelope = self.send(Method::PATCH, url, body, true).await?.json()?;
        Ok(envelope.device)
    }

    /// `DELETE /v1/bindings/{did}`: unbinds a device.
    pub async fn unbind(&self, did: &str) -> Result<(), ClientError> {
        let url = self.endpoint(&["v1", "bindings", did])?;
        // Not retried: a repeat after a lost answer would report not_found for a success.
        self.send(Method::DELETE, url, Body::Empty, false)
            .await
            .map(drop)
    }

    /// `POST /v1/products` (Developer Center key).
    pub async fn create_product(&self, product: &CreateProduct) -> Result<Product, ClientError> {
        let url = self.endpoint(&["v1", "products"])?;
        self.send(Method::POST, url, json(product), false)
            .await?
            .json()
    }

    /// `PATCH /v1/products/{pk}` (Developer Center key): a product's name or label form.
    pub async fn update_product(
        &self,
        product_key: &str,
        update: &UpdateProduct,
    ) -> Result<Product, ClientError> {
        let url = self.endpoint(&["v1", "products", product_key])?;
        // Setting the same values twice is harmless, so it is retried like a rename.
        self.send(Method::PATCH, url, json(update), true)
            .await?
            .json()
    }

    /// `GET /v1/products` (Developer Center key).
    pub async fn products(&self) -> Result<Vec<Product>, ClientError> {
        let url = self.endpoint(&["v1", "products"])?;
        let list: ProductList = self
            .send(Method::GET, url, Body::Empty, true)
            .await?
            .json()?;
        Ok(list.products)
    }

    /// `POST /v1/products/{pk}/sn-batches` (Developer Center key).
    pub async fn create_batch(&self, product_key: &str, count: u32) -> Result<Batch, ClientError> {
        let url = self.endpoint(&["v1", "products", product_key, "sn-batches"])?;
        self.send(Method::POST, url, json(&CreateBatch { count }), false)
            .await?
            .json()
    }

    /// `GET /v1/products/{pk}/sn-batches` (Developer Center key).
    pub async fn batches(&self, product_key: &str) -> Result<Vec<Batch>, ClientError> {
        let url = self.endpoint(&["v1", "products", product_key, "sn-batches"])?;
        let list: BatchList = self
            .send(Method::GET, url, Body::Empty, true)
            .await?
            .json()?;
        Ok(list.batches)
    }

    /// `GET /v1/sn-batches/{batch_id}/archive`: the zip of SNs and label PNGs.
    pub async fn batch_archive(&self, batch_id: &str) -> Result<Vec<u8>, ClientError> {
        let url = self.endpoint(&["v1", "sn-batches", batch_id, "archive"])?;
        self.send(Method::GET, url, Body::Empty, true)
            .await
            .map(|a: Answer| a.bytes)
    }

    /// `POST /v1/products/{pk}/devices/import`: a DeviceKey↔SN file, all-or-nothing unless
    /// `partial`.
    pub async fn import_devices(
        &self,
        product_key: &str,
        file: Vec<u8>,
        format: ImportFormat,
        partial: bool,
    ) -> Result<ImportReport, ClientError> {
        let mode = if partial { "partial" } else { "atomic" };
        let url = self.address.endpoint(
            &["v1", "products", product_key, "devices", "import"],
            &[("mode", mode)],
        )?;
        let body = Body::Bytes {
            content_type: format.content_type(),
            bytes: file,
        };
        self.send(Method::POST, url, body, false).await?.json()
    }

    /// `PUT /v1/products/{pk}/devices/{sn}/device-key` (Developer Center key): pairs the SN
    /// with a module's IMEI or MAC. The answer's `status` says whether the pair was made now
    /// or found made; a conflict is `sn_already_paired` or `device_key_in_use`. Retried after
    /// network failures: the same pair again changes nothing.
    pub async fn pair_device(
        &self,
        product_key: &str,
        sn: &str,
        device_key: &str,
    ) -> Result<Pair, ClientError> {
        let url = self.endpoint(&["v1", "products", product_key, "devices", sn, "device-key"])?;
        let body = json(&PairRequest {
            device_key: device_key.to_owned(),
        });
        self.send(Method::PUT, url, body, true).await?.json()
    }

    /// `GET /v1/support/devices/{sn}` (support key); `product_key` names the device's product
    /// when several products have the SN.
    pub async fn support_device(
        &self,
        sn: &str,
        product_key: Option<&str>,
    ) -> Result<SupportDevice, ClientError> {
        let query: Vec<(&str, &str)> = product_key
            .map(|pk| ("product_key", pk))
            .into_iter()
            .collect();
        let url = self
            .address
            .endpoint(&["v1", "support", "devices", sn], &query)?;
        self.send(Method::GET, url, Body::Empty, true).await?.json()
    }

    /// `GET /v1/support/requests/{request_id}` (support key): one recorded attempt, as JSON.
    pub async fn support_request(
        &self,
        request_id: &str,
    ) -> Result<serde_json::Value, ClientError> {
        let url = self.endpoint(&["v1", "support", "requests", request_id])?;
        self.send(Method::GET, url, Body::Empty, true).await?.json()
    }
}
