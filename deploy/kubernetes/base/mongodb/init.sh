#!/bin/sh
# Runs beside mongod in each member's pod. On the first member it initiates
# the replica set and creates the users through the localhost exception
# (the documented way with a keyfile), then keeps them as the Secret says;
# every step is idempotent, so a restart repeats it harmlessly.
set -eu
case "$(hostname)" in
  *-0) ;;
  *) touch /tmp/initialized; exec sleep infinity ;;
esac
until mongosh --quiet --eval "db.adminCommand('ping')" >/dev/null 2>&1; do sleep 2; done
members=""
i=0
while [ "$i" -lt "$MONGODB_REPLICAS" ]; do
  members="$members{_id: $i, host: 'mongodb-$i.mongodb:27017'},"
  i=$((i + 1))
done
mongosh --quiet --eval "try { rs.status() } catch (e) { if (e.codeName !== 'NotYetInitialized') throw e; rs.initiate({_id: 'rs0', members: [$members]}) }" || true
until mongosh --quiet --eval "db.hello().isWritablePrimary" | grep -q true; do sleep 2; done
mongosh --quiet admin --eval "try { db.createUser({user: 'admin', pwd: process.env.ADMIN_PASSWORD, roles: ['root']}) } catch (e) { if (e.codeName !== 'Unauthorized' && e.code !== 51003) throw e }"
for pair in profile:crm_profile interaction:crm_interaction segmentation:crm_segmentation loyalty:crm_loyalty; do
  user=${pair%%:*}
  db=${pair#*:}
  var=$(echo "$user" | tr a-z A-Z)_PASSWORD
  eval "pwd=\${$var}"
  mongosh --quiet -u admin -p "$ADMIN_PASSWORD" --authenticationDatabase admin "$db" --eval "
    const u = {user: '$user', pwd: '$pwd', roles: [{role: 'readWrite', db: '$db'}]};
    if (db.getUser('$user')) { db.updateUser('$user', {pwd: u.pwd, roles: u.roles}) } else { db.createUser(u) }"
done
touch /tmp/initialized
exec sleep infinity
