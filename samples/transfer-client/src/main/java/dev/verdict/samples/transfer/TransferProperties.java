package dev.verdict.samples.transfer;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param bankAUrl base URL of the first bank
 * @param bankBUrl base URL of the second bank
 * @param demo whether to run the demonstration transfers at start-up and then exit
 */
@ConfigurationProperties("transfer")
public record TransferProperties(String bankAUrl, String bankBUrl, @DefaultValue("true") boolean demo) {
}
