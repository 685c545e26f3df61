-- The form a product's new labels are printed in (issue 17): v2, quectel_v1 (sn_only
-- products) or url. Products made before keep printing v2.
ALTER TABLE products ADD COLUMN label_form TEXT NOT NULL DEFAULT 'v2';
