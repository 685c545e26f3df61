-- The import writes every device row through each of the devices table's indexes, and the
-- console's device list (0007) had added two: a million-row import went from 0.71x to 1.21x
-- `sqlite3 .import`. `(product_key, sn)` serves everything `(product_key)` alone did, so that
-- one goes; a DeviceKey prefix search ranges over the existing unique index on device_key.
DROP INDEX devices_product;
DROP INDEX devices_product_device_key;
