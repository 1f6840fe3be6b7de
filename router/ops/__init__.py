"""What an operator watches: metrics, health, systemd notifications.

`serve` runs these around its work (`service.Operations`); the layers that
do the work only call the hooks they are handed (`metrics.Counters`), so
nothing below the daemon imports this package.
"""
