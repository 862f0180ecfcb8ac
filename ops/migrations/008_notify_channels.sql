-- 008_notify_channels: (filled in by the notification-channels work of issue 6)
SELECT 1;
