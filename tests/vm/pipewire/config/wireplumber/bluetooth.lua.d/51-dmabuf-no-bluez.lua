-- The guest has no Bluetooth, no system bus and no systemd-logind: the bluez
-- monitor would load the logind module, whose failure to start ends
-- WirePlumber 0.4 ("failed to start systemd logind monitor").
bluez_monitor.enabled = false
