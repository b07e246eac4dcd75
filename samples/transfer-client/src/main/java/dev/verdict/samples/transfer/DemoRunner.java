package dev.verdict.samples.transfer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

import dev.verdict.samples.transfer.Transfers.Bank;

/** A few transfers, one of them an overdraft that must abort, with the balances before and after. */
@Component
@ConditionalOnProperty(name = "transfer.demo", havingValue = "true", matchIfMissing = true)
class DemoRunner implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(DemoRunner.class);

    private final Transfers transfers;

    DemoRunner(Transfers transfers) {
        this.transfers = transfers;
    }

    @Override
    public void run(ApplicationArguments args) {
        long before = transfers.totalBalance();
        print("before");
        report(transfers.transfer(Bank.A, 1, 1, 25_00));
        report(transfers.transfer(Bank.B, 2, 3, 100_00));
        report(transfers.transfer(Bank.A, 4, 5, 5_000_00));
        report(transfers.transfer(Bank.B, 5, 2, 12_34));
        print("after");
        long after = transfers.totalBalance();
        log.info("Total across both banks: {} before, {} after: {}", money(before), money(after),
                before == after ? "unchanged, as it must be" : "CHANGED - this is a bug");
    }

    private void report(Transfers.Result result) {
        log.info("{} {}: {}", result.committed() ? "COMMITTED" : "ABORTED  ", result.transactionId(), result.detail());
    }

    private void print(String when) {
        for (Bank bank : Bank.values()) {
            StringBuilder line = new StringBuilder();
            for (Transfers.Account account : transfers.accounts(bank)) {
                line.append(String.format("  %d %-8s %10s", account.id(), account.owner(), money(account.balance())));
            }
            log.info("Bank {} {}:{}", bank, when, line);
        }
    }

    private static String money(long cents) {
        return String.format("%d.%02d", cents / 100, cents % 100);
    }
}
