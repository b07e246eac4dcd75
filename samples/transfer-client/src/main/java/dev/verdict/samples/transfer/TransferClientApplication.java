package dev.verdict.samples.transfer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** Moves money between the two sample banks in global transactions. */
@SpringBootApplication
@EnableConfigurationProperties(TransferProperties.class)
public class TransferClientApplication {

    public static void main(String[] args) {
        // transfer-client.yml, so that it can share a class path with the banks and the coordinator
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--spring.config.name=transfer-client";
        SpringApplication.run(TransferClientApplication.class, all);
    }
}
