#!/bin/sh
# Peer for `blastradius rates --log-format ...` on an access log whose lines end in
# `$hostname $upstream_status`: requests, 5xx, nginx-built 5xx (upstream status `-`) and 502 per
# minute x POP, with awk (single-threaded; relies on the fixed field positions of this one format).
# usage: awk_combined_rates.sh IN.log OUT.csv
exec ${AWK:-awk} '
BEGIN {
  n = split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", names, " ")
  for (i = 1; i <= n; i++) month[names[i]] = sprintf("%02d", i)
}
{
  # $4 is "[dd/Mon/yyyy:HH:MM:SS" (the offset in $5 is +0000 in this input)
  key = substr($4, 9, 4) "-" month[substr($4, 5, 3)] "-" substr($4, 2, 2) " " substr($4, 14, 5) ":00," $(NF - 1)
  status = $9 + 0
  requests[key]++
  if (status >= 500) { s5xx[key]++; if ($NF == "-") edge[key]++ }
  if (status == 502) s502[key]++
}
END {
  print "bucket,pop,requests,status_5xx,edge_5xx,status_502"
  for (k in requests) printf "%s,%d,%d,%d,%d\n", k, requests[k], s5xx[k], edge[k], s502[k] | "LC_ALL=C sort"
}' "$1" > "$2"
