// Loads a PKCS12 keystore and truststore as Ozone's Jetty does, serves TLS with the first and
// connects with the second, verifying the host name like an HTTPS client. Used by the ignored
// pki test `java_loads_the_stores_and_completes_a_tls_handshake`.
// Usage: java TlsCheck.java KEYSTORE TRUSTSTORE PASSWORD
import java.io.FileInputStream;
import java.security.KeyStore;
import javax.net.ssl.*;

public class TlsCheck {
  public static void main(String[] args) throws Exception {
    char[] pw = args[2].toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(new FileInputStream(args[0]), pw);
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(new FileInputStream(args[1]), pw);
    if (!ts.isCertificateEntry("ca-0")) throw new IllegalStateException("ca-0 is not a trusted certificate");
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
    kmf.init(ks, pw);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0);
    Thread t = new Thread(() -> {
      try (SSLSocket s = (SSLSocket) server.accept()) {
        s.getOutputStream().write(42);
      } catch (Exception e) {
        e.printStackTrace();
      }
    });
    t.start();
    try (SSLSocket c = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", server.getLocalPort())) {
      SSLParameters p = c.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      c.setSSLParameters(p);
      c.startHandshake();
      if (c.getInputStream().read() != 42) throw new IllegalStateException("no data");
      System.out.println("handshake ok: " + c.getSession().getCipherSuite());
    }
    t.join();
  }
}
