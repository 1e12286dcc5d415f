package io.snapferry.web.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {
    private final PasswordHasher cheap = new PasswordHasher(new PasswordHasher.Cost(1024, 1, 1));

    @Test
    void defaultCostIsArgon2idWith64MiBAndThreePasses() {
        String phc = new PasswordHasher().hash("correct horse battery");
        assertThat(phc).startsWith("$argon2id$v=19$m=65536,t=3,p=1$");
        assertThat(new PasswordHasher().verify("correct horse battery", phc)).isTrue();
        assertThat(new PasswordHasher().verify("correct horse batterY", phc)).isFalse();
    }

    @Test
    void theCostCanBeConfiguredAndABadSettingIsAnError() {
        String old = System.getProperty(PasswordHasher.Cost.PROPERTY);
        try {
            System.clearProperty(PasswordHasher.Cost.PROPERTY);
            assertThat(PasswordHasher.Cost.configured()).isEqualTo(PasswordHasher.Cost.DEFAULT);
            System.setProperty(PasswordHasher.Cost.PROPERTY, "2048, 2, 1");
            assertThat(PasswordHasher.Cost.configured()).isEqualTo(new PasswordHasher.Cost(2048, 2, 1));
            for (String bad : new String[] {"2048", "a,b,c", "4,1,1", "2048,0,1"}) {
                System.setProperty(PasswordHasher.Cost.PROPERTY, bad);
                org.assertj.core.api.Assertions.assertThatThrownBy(PasswordHasher.Cost::configured).as(bad)
                        .isInstanceOf(IllegalArgumentException.class);
            }
        } finally {
            if (old == null) {
                System.clearProperty(PasswordHasher.Cost.PROPERTY);
            } else {
                System.setProperty(PasswordHasher.Cost.PROPERTY, old);
            }
        }
    }

    @Test
    void verifiesTheRightPasswordAndRejectsOthers() {
        String phc = cheap.hash("s3cret-passphrase");
        assertThat(cheap.verify("s3cret-passphrase", phc)).isTrue();
        assertThat(cheap.verify("s3cret-passphrase ", phc)).isFalse();
        assertThat(cheap.verify("", phc)).isFalse();
        assertThat(cheap.verify("S3cret-passphrase", phc)).isFalse();
    }

    @Test
    void eachHashHasItsOwnSalt() {
        String a = cheap.hash("same password");
        String b = cheap.hash("same password");
        assertThat(a).isNotEqualTo(b);
        assertThat(cheap.verify("same password", a)).isTrue();
        assertThat(cheap.verify("same password", b)).isTrue();
    }

    @Test
    void theCostIsReadFromTheStoredHash() {
        String phc = cheap.hash("portable password");
        assertThat(new PasswordHasher().verify("portable password", phc)).isTrue();
    }

    @Test
    void malformedOrForeignHashesNeverVerify() {
        String phc = cheap.hash("pw-pw-pw-pw");
        for (String bad : new String[] {"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$AAAA$AAAA", phc.replace("$v=19", "$v=16"),
                phc.replace("m=1024", "m=x"), phc.substring(0, phc.lastIndexOf('$')) + "$", phc + "$extra",
                phc.replace("m=1024", "m=99999999")}) {
            assertThat(cheap.verify("pw-pw-pw-pw", bad)).as(bad).isFalse();
        }
    }
}
