package dev.verdict.samples.bank;

import java.util.Arrays;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A bank that takes part in global transfers. Run it twice (profiles {@code a} and {@code b}): two banks,
 * two databases. Its configuration is {@code bank.yml}, so that it can share a class path with the others.
 */
@SpringBootApplication
public class BankApplication {

    public static void main(String[] args) {
        SpringApplication.run(BankApplication.class, withConfigName("bank", args));
    }

    static String[] withConfigName(String name, String[] args) {
        String[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--spring.config.name=" + name;
        return all;
    }
}
