-- The import writes every device row through each of the devices table's indexes, and the
-- console's device list (0008) had added two: a million-row import went from 1.37x to 2.59x
-- `COPY`. `(product_key, sn COLLATE "C")` serves everything `(product_key)` alone did, so
-- that one goes; a DeviceKey prefix search ranges over the existing unique index on
-- device_key (DeviceKeys are lower-case hex digits, ordered alike by every collation).
DROP INDEX devices_product;
DROP INDEX devices_product_device_key;
