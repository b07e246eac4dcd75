package dev.verdict.samples.bank;

import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.verdict.samples.bank.Accounts.Account;

@RestController
@RequestMapping("/accounts")
class AccountController {

    private final Accounts accounts;

    AccountController(Accounts accounts) {
        this.accounts = accounts;
    }

    @GetMapping
    List<Account> all() {
        return accounts.all();
    }

    @GetMapping("/{id}")
    Account one(@PathVariable long id) {
        return accounts.find(id);
    }

    @PostMapping("/{id}/debit")
    Account debit(@PathVariable long id, @RequestBody Amount amount) {
        accounts.debit(id, amount.cents());
        return accounts.find(id);
    }

    @PostMapping("/{id}/credit")
    Account credit(@PathVariable long id, @RequestBody Amount amount) {
        accounts.credit(id, amount.cents());
        return accounts.find(id);
    }

    record Amount(long cents) {
    }

    @ExceptionHandler
    ProblemDetail insufficientFunds(Accounts.InsufficientFundsException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT, e.getMessage());
    }

    @ExceptionHandler
    ProblemDetail notFound(Accounts.AccountNotFoundException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler
    ProblemDetail badRequest(IllegalArgumentException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    }
}
