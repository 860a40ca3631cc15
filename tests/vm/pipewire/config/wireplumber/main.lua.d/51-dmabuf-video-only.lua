-- Video only: the guest has no sound card (the ALSA monitor would find
-- nothing and ask the session bus to reserve devices) and no libcamera.
alsa_monitor.enabled = false
libcamera_monitor.enabled = false
