-- Travel distances are cached as files beside the store (.cache/travel/<key>.npy), so that reading
-- a workspace never writes its database.
DROP TABLE IF EXISTS travel_cache;
