package dev.verdict.benchmark;

import java.nio.file.Path;
import java.util.Arrays;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import dev.verdict.testsupport.Ports;
import dev.verdict.testsupport.TestCredentials;

/**
 * The benchmark: {@code ./demo.sh bench}. It starts PostgreSQL, the packaged coordinator and the packaged
 * banks itself, runs every case, prints the table and writes {@code data/bench/results.json}. Settings
 * come from the environment ({@link BenchSettings}).
 */
@SpringBootApplication
public class BenchmarkApplication {

    public static void main(String[] args) {
        int coordinatorPort = Ports.free();
        String[] all = Arrays.copyOf(args, args.length + 5);
        all[args.length] = "--spring.config.name=benchmark";
        all[args.length + 1] = "--verdict.coordinator-url=http://localhost:" + coordinatorPort;
        all[args.length + 2] = "--bench.coordinator-port=" + coordinatorPort;
        // the benchmark's own coordinator, on loopback, for the length of one run: the tests' credentials do
        all[args.length + 3] = "--verdict.token=" + TestCredentials.CLIENT_TOKEN;
        all[args.length + 4] = "--verdict.propagate-to=localhost";
        SpringApplication application = new SpringApplication(BenchmarkApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        System.exit(SpringApplication.exit(application.run(all)));
    }

    static Path output() {
        return Path.of(System.getProperty("bench.output", "data/bench"));
    }
}
