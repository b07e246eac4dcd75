import java.io.*; import java.nio.file.*; import java.sql.*; import java.util.*; import java.util.concurrent.*; import java.util.concurrent.atomic.*;
import javax.sql.XAConnection; import javax.transaction.xa.*; import org.h2.jdbcx.JdbcDataSource;

/**
 * Does an H2 file used as the sample banks use it keep its own consistency across kill -9? (sdk.md, "H2
 * participants".) A child process runs eight threads against five hot accounts: each transaction adds a random
 * delta to one account and inserts a "done" row with that delta, then commits or (one in three) rolls back;
 * half the threads do it as XA branches (prepare, then commit or rollback), the others as plain transactions,
 * with a 100 ms lock timeout. At start the child resolves what the last crash left in doubt, while the threads
 * run, as the SDK's recovery does. The parent kills the child at a random moment, opens the file and checks
 * that every balance is the opening balance plus the deltas of its committed "done" rows; it stops at the first
 * kill after which one is not. Settings: {@code -Dxa=half|all|none}, {@code -Dnorollback=true} (every transaction
 * commits), {@code -Dthreads=n}, {@code -Dextra=<URL settings>} (default {@code ;WRITE_DELAY=0}, as bank.yml).
 * Mode {@code clean} is the control: the same work for 3 s a round, stopped cleanly, no kill. Not part of the
 * build: {@code javac -cp h2-2.4.240.jar -d /tmp/probe benchmark/probes/H2RollbackKillProbe.java &&
 * java -cp h2-2.4.240.jar:/tmp/probe H2RollbackKillProbe parent <kills>} (or {@code clean <rounds>}).
 */
public class H2RollbackKillProbe {
  static volatile long stopAfter = 0; static volatile boolean stop; static final int ACCOUNTS = 5; static final long OPENING = 1_000_000;
  static String url(Path dir) { return "jdbc:h2:file:" + dir + "/bank" + System.getProperty("extra", ";WRITE_DELAY=0"); }
  record X(byte[] g) implements Xid { public int getFormatId() { return 77; } public byte[] getGlobalTransactionId() { return g; } public byte[] getBranchQualifier() { return new byte[] {1}; } }

  public static void main(String[] a) throws Exception {
    if (a[0].equals("child")) { child(Path.of(a[1])); return; }
    if (a[0].equals("clean")) { Path d = Files.createTempDirectory("clean"); for (int r = 0; r < Integer.parseInt(a[1]); r++) { stopAfter = 3000; child(d); String v = check(d); System.out.println("clean round " + r + ": " + (v.isEmpty() ? "balanced" : v)); } return; }
    int rounds = Integer.parseInt(a[1]); Random random = new Random(); Path dir = Files.createTempDirectory("lost");
    for (int r = 0; r < rounds; r++) {
      Process p = new ProcessBuilder(ProcessHandle.current().info().command().get(), "-Dxa=" + System.getProperty("xa", "half"), "-Dnorollback=" + Boolean.getBoolean("norollback"), "-Dthreads=" + Integer.getInteger("threads", 8), "-Dextra=" + System.getProperty("extra", ";WRITE_DELAY=0"), "-cp", System.getProperty("java.class.path"), "H2RollbackKillProbe", "child", dir.toString())
          .redirectErrorStream(true).redirectOutput(new File(dir + "/child-" + r + ".log")).start();
      Thread.sleep(700 + random.nextInt(2500));
      p.toHandle().destroyForcibly(); p.waitFor();
      String verdict = check(dir);
      if (!verdict.isEmpty()) { System.out.println("kill " + (r + 1) + " broke a balance: " + verdict + "files in " + dir); return; }
      if ((r + 1) % 10 == 0) System.out.println((r + 1) + " kills, every balance kept");
    }
    System.out.println("done: " + rounds + " kills, every balance kept; files in " + dir);
  }

  static String check(Path dir) throws SQLException {
    StringBuilder out = new StringBuilder();
    try (Connection c = DriverManager.getConnection(url(dir), "sa", "")) {
      try (ResultSet rs = c.createStatement().executeQuery("SELECT a.id, a.balance, " + OPENING + " + COALESCE((SELECT SUM(delta) FROM done d WHERE d.account = a.id), 0) FROM account a ORDER BY a.id")) {
        while (rs.next()) if (rs.getLong(2) != rs.getLong(3)) out.append("account ").append(rs.getLong(1)).append(" holds ").append(rs.getLong(2)).append(", its done rows make it ").append(rs.getLong(3)).append("; ");
      }
    }
    return out.toString();
  }

  static void child(Path dir) throws Exception {
    JdbcDataSource ds = new JdbcDataSource(); ds.setURL(url(dir)); ds.setUser("sa"); ds.setPassword("");
    try (Connection c = ds.getConnection()) {
      Statement s = c.createStatement();
      s.execute("CREATE TABLE IF NOT EXISTS account (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS done (tx VARCHAR(64) PRIMARY KEY, account BIGINT NOT NULL, delta BIGINT NOT NULL)");
      for (int i = 1; i <= ACCOUNTS; i++) s.execute("MERGE INTO account KEY (id) SELECT " + i + ", " + OPENING + " FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM account WHERE id = " + i + ")");
    }
    // what a crash left in doubt: resolved a little later, while new work runs, as the SDK's recovery does
    List<Xid> inDoubt = new ArrayList<>();
    XAConnection scan = ds.getXAConnection();
    Xid[] found = scan.getXAResource().recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
    if (found != null) inDoubt.addAll(Arrays.asList(found));
    scan.close();
    System.out.println("in doubt at start: " + inDoubt.size());
    AtomicLong seq = new AtomicLong(System.nanoTime());
    int n = Integer.getInteger("threads", 8); ExecutorService threads = Executors.newFixedThreadPool(n);
    for (int t = 0; t < n; t++) {
      String mode = System.getProperty("xa", "half"); boolean xa = mode.equals("all") || mode.equals("half") && t % 2 == 0;
      threads.submit(() -> { try { work(ds, xa, seq); } catch (Throwable e) { System.out.println("worker stopped: " + e); } return null; });
    }
    Thread.sleep(300);
    Random random = new Random();
    for (Xid xid : inDoubt) {
      String tx = new String(xid.getGlobalTransactionId());
      boolean markerCommitted;
      try (Connection c = ds.getConnection(); PreparedStatement q = c.prepareStatement("SELECT COUNT(*) FROM done WHERE tx = ?")) { q.setString(1, tx); try (ResultSet rs = q.executeQuery()) { rs.next(); markerCommitted = rs.getLong(1) > 0; } }
      boolean commit = !markerCommitted && random.nextBoolean();
      XAConnection x = ds.getXAConnection(); XAResource res = x.getXAResource(); res.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
      try { if (commit) res.commit(xid, false); else res.rollback(xid); System.out.println("in doubt " + tx + (markerCommitted ? " (marker committed: ghost)" : "") + (commit ? " committed" : " rolled back")); }
      catch (XAException e) { System.out.println("in doubt " + tx + ": " + e); }
      x.close();
    }
    if (stopAfter > 0) { Thread.sleep(stopAfter); stop = true; threads.shutdown(); threads.awaitTermination(1, TimeUnit.MINUTES); stop = false; return; }
    threads.awaitTermination(1, TimeUnit.DAYS);
  }

  static void work(JdbcDataSource ds, boolean xa, AtomicLong seq) throws Exception {
    Random random = new Random();
    XAConnection x = xa ? ds.getXAConnection() : null;
    Connection c = xa ? null : ds.getConnection();
    if (c != null) { c.setAutoCommit(false); c.createStatement().execute("SET LOCK_TIMEOUT 100"); }
    while (!stop) {
      String tx = "t" + seq.incrementAndGet(); long account = 1 + random.nextInt(ACCOUNTS); long delta = random.nextInt(2001) - 1000;
      boolean commit = !Boolean.getBoolean("norollback") ? random.nextInt(3) > 0 : true;
      if (xa) {
        Xid xid = new X(tx.getBytes()); XAResource res = x.getXAResource(); res.start(xid, XAResource.TMNOFLAGS);
        Connection h = x.getConnection(); h.createStatement().execute("SET LOCK_TIMEOUT 100");
        try {
          update(h, tx, account, delta, random);
          res.end(xid, XAResource.TMSUCCESS); res.prepare(xid);
          pause(random);
          if (commit) res.commit(xid, false); else res.rollback(xid);
        } catch (SQLException e) {
          // a branch left open here makes this thread's next start fail, which stops the thread, saying so
          try { res.end(xid, XAResource.TMFAIL); } catch (XAException failed) { System.out.println("end of " + tx + " after " + e + ": " + failed); }
          try { res.rollback(xid); } catch (XAException failed) { System.out.println("rollback of " + tx + " after " + e + ": " + failed); }
        } finally { h.close(); }
      } else {
        try { update(c, tx, account, delta, random); pause(random); if (commit) c.commit(); else c.rollback(); }
        catch (SQLException e) { c.rollback(); }
      }
    }
    if (x != null) x.close(); if (c != null) c.close();
  }

  static void update(Connection c, String tx, long account, long delta, Random random) throws Exception {
    try (PreparedStatement u = c.prepareStatement("UPDATE account SET balance = balance + ? WHERE id = ?")) { u.setLong(1, delta); u.setLong(2, account); u.executeUpdate(); }
    pause(random);
    try (PreparedStatement d = c.prepareStatement("INSERT INTO done VALUES (?, ?, ?)")) { d.setString(1, tx); d.setLong(2, account); d.setLong(3, delta); d.executeUpdate(); }
  }

  static void pause(Random random) throws InterruptedException { if (random.nextInt(4) == 0) Thread.sleep(random.nextInt(30)); }
}
