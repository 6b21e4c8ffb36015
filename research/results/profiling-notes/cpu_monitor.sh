#!/bin/bash
# Per-CPU busy/idle/steal ticks every 0.5 s for $1 samples, with the top two processes; run
# beside slow_mode.py to see one core idle in the slow mode: bash cpu_monitor.sh 60 > cpu.log
prev=$(grep '^cpu[0-9]' /proc/stat)
for i in $(seq 1 $1); do
  sleep 0.5
  cur=$(grep '^cpu[0-9]' /proc/stat)
  paste <(echo "$prev") <(echo "$cur") | awk '{n=NF/2; u=($(n+2)+$(n+3)+$(n+4))-($2+$3+$4); id=($(n+5)+$(n+6))-($5+$6); st=$(n+9)-$9; printf "%s busy %d idle %d steal %d | ", $1, u, id, st}'
  echo " $(ps -eo pcpu,pid,comm --sort=-pcpu | sed -n 2,3p | tr '\n' ' ')"
  prev=$cur
done
