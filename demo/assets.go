package demo

import (
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const logoSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="10" fill="#4f46e5"/></svg>`

// heroPNG is a photo-like hero image: noise, because browsers leave low-entropy images (a flat SVG) out of LCP.
var heroPNG = func() []byte {
	img := image.NewGray(image.Rect(0, 0, 320, 240))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory image cannot fail
	}
	return buf.Bytes()
}()

// heroDelay is how long the hero image takes: the slow-hero flaw pushes mobile LCP past 4 s (poor), far enough
// that a loaded machine cannot move the verdict.
func (a *app) heroDelay() time.Duration {
	if a.has(FlawSlowHero) {
		return 3500 * time.Millisecond
	}
	return 0
}

func (a *app) asset(contentType string, body []byte, delay time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(body)
	}
}

// weakJWTSecret is the kind of secret tutorials use and apps ship: the token-in-storage flaw signs with it.
const weakJWTSecret = "secret"

// apiToken hands the logged-in page an API token (only with the token-in-storage flaw: the hardened app keeps the
// session in its HttpOnly cookie alone).
func (a *app) apiToken(w http.ResponseWriter, r *http.Request) {
	u := a.currentUser(r)
	if u == nil || !a.has(FlawTokenInStorage) {
		a.apiError(w, http.StatusNotFound, "not found", nil)
		return
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": u.ID, "email": u.Email, "iat": time.Now().Unix(), "exp": time.Now().Add(365 * 24 * time.Hour).Unix(),
	}).SignedString([]byte(weakJWTSecret))
	if err != nil {
		a.apiError(w, http.StatusInternalServerError, "internal error", err)
		return
	}
	writeJSON(w, map[string]string{"token": tok})
}
