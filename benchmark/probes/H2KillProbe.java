import java.io.*; import java.nio.channels.FileChannel; import java.nio.file.*; import java.sql.*; import java.util.*; import java.util.concurrent.*;
import org.h2.store.fs.FilePath; import org.h2.store.fs.FilePathWrapper;

/**
 * Does an H2 file, opened as the coordinator opens its log, keep every commit that returned across a kill -9?
 * (operations.md, "Opening the H2 log after a crash"). A child process commits rows as the log's forced
 * writes do (COMMIT, then CHECKPOINT SYNC, on a sync: file with the shipped URL settings) and prints each id
 * once the sync returned, with lazy writes and deletes in between so that chunks die and their space is
 * reused; the parent kills it at a random moment, opens the file, and counts the printed ids that are gone.
 * Mode {@code plain}: H2's own start. Mode {@code recover}: the file is first opened in H2's recovery mode
 * and closed, as the coordinator's H2LogRecovery does. Not part of the build:
 * {@code javac -cp h2-2.4.240.jar -d /tmp/probe benchmark/probes/H2KillProbe.java &&
 * java -cp h2-2.4.240.jar:/tmp/probe H2KillProbe parent <kills> plain|recover}.
 */
public class H2KillProbe {
  public static class Synced extends FilePathWrapper {
    public Synced() {}
    @Override public String getScheme() { return "sync"; }
    @Override public FileChannel open(String mode) throws IOException { return super.open("rw".equals(mode) ? "rwd" : mode); }
  }
  static String url(Path dir, String extra) { return "jdbc:h2:file:sync:" + dir + "/log;WRITE_DELAY=100;RETENTION_TIME=0;QUERY_CACHE_SIZE=64" + extra; }

  public static void main(String[] a) throws Exception {
    FilePath.register(new Synced());
    if (a[0].equals("child")) { child(Path.of(a[1]), a[2], a.length > 3 ? a[3] : ""); return; }
    int rounds = Integer.parseInt(a[1]); String mode = a[2]; String extra = a.length > 3 ? a[3] : "";
    Random random = new Random();
    int lost = 0, kills = 0; long acks = 0, repairNanos = 0;
    Path dir = Files.createTempDirectory("crash");
    for (int r = 0; r < rounds; r++) {
      Process p = new ProcessBuilder(ProcessHandle.current().info().command().get(), "-cp", System.getProperty("java.class.path"), "H2KillProbe", "child", dir.toString(), mode, extra)
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
      String line = out.readLine(); // "ready"
      if (line == null || !line.equals("ready")) throw new IllegalStateException("child: " + line);
      long killAt = System.nanoTime() + (200 + random.nextInt(1500)) * 1_000_000L;
      List<String> acked = new ArrayList<>();
      while (System.nanoTime() < killAt) {
        if (out.ready()) { String l = out.readLine(); if (l == null) break; acked.add(l); } else Thread.onSpinWait();
      }
      p.toHandle().destroyForcibly(); p.waitFor(); kills++;
      String l; while ((l = out.readLine()) != null) acked.add(l); // acknowledged before the kill, read late
      acks += acked.size();
      if (mode.equals("recover")) {
        long t0 = System.nanoTime();
        new org.h2.mvstore.MVStore.Builder().fileName("sync:" + dir + "/log.mv.db").recoveryMode().open().close();
        repairNanos += System.nanoTime() - t0;
      }
      try (Connection c = DriverManager.getConnection(url(dir, extra), "sa", "")) {
        Set<String> present = new HashSet<>();
        try (ResultSet rs = c.createStatement().executeQuery("SELECT id FROM decision")) { while (rs.next()) present.add(rs.getString(1)); }
        for (String id : acked) if (!present.contains(id)) { lost++; System.out.println("round " + r + ": LOST acknowledged " + id + " (" + acked.size() + " acknowledged)"); }
      }
      if ((r + 1) % 20 == 0) System.out.println("rounds " + (r + 1) + ", acknowledged " + acks + ", lost " + lost);
    }
    System.out.println(mode + " " + extra + ": " + kills + " kills, " + acks + " acknowledged forced writes, " + lost + " lost; the recovery-mode open took " + repairNanos / 1_000_000 / Math.max(1, kills) + " ms per restart on average, file " + Files.size(dir.resolve("log.mv.db")) / 1024 + " KB");
  }

  static void child(Path dir, String mode, String extra) throws Exception {
    try (Connection c = DriverManager.getConnection(url(dir, extra), "sa", "")) {
      Statement s = c.createStatement();
      s.execute("CREATE TABLE IF NOT EXISTS decision (id VARCHAR(64) PRIMARY KEY, state VARCHAR(16), body VARCHAR(2000), at TIMESTAMP)");
      s.execute("CREATE TABLE IF NOT EXISTS event (id BIGINT AUTO_INCREMENT PRIMARY KEY, tx VARCHAR(64), detail VARCHAR(2000))");
      s.execute("CREATE INDEX IF NOT EXISTS ds ON decision (state, at)");
      c.setAutoCommit(false);
      ExecutorService readers = Executors.newSingleThreadExecutor();
      readers.submit(() -> { try (Connection r = DriverManager.getConnection(url(dir, extra), "sa", "")) { while (true) { try (ResultSet rs = r.createStatement().executeQuery("SELECT COUNT(*) FROM decision WHERE state = 'COMMITTING'")) { rs.next(); } Thread.sleep(5); } } catch (InterruptedException e) { Thread.currentThread().interrupt(); } catch (Exception e) { System.err.println("the reader stopped: " + e); } return null; });
      System.out.println("ready"); System.out.flush();
      PreparedStatement decide = c.prepareStatement("INSERT INTO decision VALUES (?, 'COMMITTING', ?, CURRENT_TIMESTAMP)");
      PreparedStatement end = c.prepareStatement("UPDATE decision SET state = 'COMMITTED' WHERE id = ?");
      PreparedStatement event = c.prepareStatement("INSERT INTO event (tx, detail) VALUES (?, ?)");
      PreparedStatement prune = c.prepareStatement("DELETE FROM decision WHERE state = 'COMMITTED' AND at < DATEADD(SECOND, -1, CURRENT_TIMESTAMP) AND id NOT LIKE 'keep%'");
      PreparedStatement pruneEvents = c.prepareStatement("DELETE FROM event WHERE id < (SELECT MAX(id) - 2000 FROM event)");
      Random random = new Random();
      String pid = Long.toString(ProcessHandle.current().pid());
      for (long i = 0; ; i++) {
        // a forced write: the decision
        String id = "keep-" + pid + "-" + i;
        decide.setString(1, id); decide.setString(2, "x".repeat(100 + random.nextInt(400))); decide.executeUpdate();
        event.setString(1, id); event.setString(2, "decided"); event.executeUpdate();
        c.commit();
        s.execute("CHECKPOINT SYNC");
        System.out.println(id); System.out.flush();
        // lazy writes: the end, history, churn that frees chunks
        end.setString(1, id); end.executeUpdate();
        for (int k = 0; k < 3; k++) { event.setString(1, id); event.setString(2, "churn " + k + " " + "y".repeat(random.nextInt(300))); event.executeUpdate(); }
        String tmp = "tmp-" + pid + "-" + i;
        decide.setString(1, tmp); decide.setString(2, "z".repeat(random.nextInt(800))); decide.executeUpdate();
        end.setString(1, tmp); end.executeUpdate();
        if (i % 50 == 0) { prune.executeUpdate(); pruneEvents.executeUpdate(); }
        c.commit();
        int pause = random.nextInt(10);
        if (pause == 0) Thread.sleep(100 + random.nextInt(60)); else if (pause < 3) Thread.sleep(random.nextInt(20));
      }
    }
  }
}
