// Tests never read the developer's own configuration by accident.
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
