// Run by the mongodb-replica-set-init Job: idempotent, safe to run again.
const members = parseInt(process.env.MONGODB_MEMBERS || "3", 10);
try {
  rs.status();
} catch (notInitiated) {
  rs.initiate({
    _id: "rs0",
    members: Array.from({ length: members }, (_, i) => ({ _id: i, host: `mongodb-${i}.mongodb:27017` })),
  });
}
while (!db.hello().isWritablePrimary) { sleep(1000); }
// One user per service, allowed only its own database (database per service).
for (const service of process.env.SERVICES.split(",")) {
  const database = service.replace(/-/g, "_");
  const password = fs.readFileSync(`/etc/service-passwords/${service}`, "utf8").trim();
  const admin = db.getSiblingDB("admin");
  if (admin.getUser(service) === null) {
    admin.createUser({ user: service, pwd: password, roles: [{ role: "readWrite", db: database }] });
  } else {
    admin.updateUser(service, { pwd: password, roles: [{ role: "readWrite", db: database }] });
  }
}
