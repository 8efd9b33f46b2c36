set terminal pngcairo size 1000,600
set output 'latency.png'
set logscale xy
set xlabel 'percentile'
set ylabel 'latency (ms)'
set xtics ('50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000)
set grid
set key top left
plot 'latency_chat_tcp_ack_latency.dat' using 1:2 with lines lw 2 title 'Parley 1:1 ack, closed loop', \
  'latency_chat_tcp_delivery_latency.dat' using 1:2 with lines lw 2 title 'Parley 1:1 delivery, closed loop', \
  'latency_chat_tcp_open_ack_latency.dat' using 1:2 with lines lw 2 title 'Parley 1:1 ack, open loop', \
  'latency_chat_tcp_half_ack_latency.dat' using 1:2 with lines lw 2 title 'Parley 1:1 ack, open loop at half load', \
  'latency_serial_tcp_ack_latency.dat' using 1:2 with lines lw 2 title 'Parley serial ack', \
  'latency_fanout_tcp_delivery_latency.dat' using 1:2 with lines lw 2 title 'Parley fan-out delivery', \
  'latency_mqtt_chat_ack_latency.dat' using 1:2 with lines lw 2 title 'Mosquitto QoS 1 PUBACK', \
  'latency_xmpp_chat_ejabberd_ack_latency.dat' using 1:2 with lines lw 2 title 'ejabberd SM ack', \
  'latency_xmpp_chat_prosody_ack_latency.dat' using 1:2 with lines lw 2 title 'Prosody SM ack'
