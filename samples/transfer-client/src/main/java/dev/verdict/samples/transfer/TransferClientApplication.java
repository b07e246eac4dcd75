package dev.verdict.samples.transfer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** Moves money between the two sample banks in global transactions. */
@SpringBootApplication
@EnableConfigurationProperties(TransferProperties.class)
public class TransferClientApplication {

    public static void main(String[] args) {
        SpringApplication.run(TransferClientApplication.class, args);
    }
}
