package dev.verdict.coordinator.security;

import java.util.List;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;

/**
 * Authenticates the bearer tokens of {@link Credentials}: Spring Security's bearer token filter reads the
 * {@code Authorization} header, and this turns the token into its caller and roles.
 */
final class StaticTokens implements AuthenticationProvider {

    private final Credentials credentials;

    StaticTokens(Credentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String token = ((BearerTokenAuthenticationToken) authentication).getToken();
        Credentials.Caller caller = credentials.callerOf(token)
                .orElseThrow(() -> new InvalidBearerTokenException("the bearer token is not one this coordinator knows"));
        List<SimpleGrantedAuthority> authorities = caller.roles().stream().map(role -> new SimpleGrantedAuthority(role.authority())).toList();
        return UsernamePasswordAuthenticationToken.authenticated(caller.name(), null, authorities);
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return BearerTokenAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
