package dev.verdict.coordinator.security;

import java.util.EnumSet;
import java.util.Set;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

import dev.verdict.coordinator.security.Credentials.Caller;

/** The caller of the request being served, as Spring Security authenticated it. */
public final class Callers {

    private Callers() {
    }

    public static Caller of(Authentication authentication) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (GrantedAuthority authority : authentication.getAuthorities()) {
            for (Role role : Role.values()) {
                if (role.authority().equals(authority.getAuthority())) {
                    roles.add(role);
                }
            }
        }
        return new Caller(authentication.getName(), Set.copyOf(roles));
    }
}
