# Sourced by the scripts that train and measure on the public SpamAssassin
# corpus: RECEIVING names the registered domains of the receiving side of
# the mailboxes it was collected in (the collectors' relays, their
# fetchmail upstream and list hosts' archive copies), as SpamAssassin's
# internal_networks would. Their Received hops are the same for every
# message of those mailboxes; the features start at the first hop from
# outside them.
RECEIVING=jmason.org,zzzzason.org,netnoteinc.com,taint.org,slashnull.org,webnote.net,pro-ns.net
